from django.urls import path

from . import views

app_name = "chat_api"

urlpatterns = [
    path("conversations", views.start, name="start"),
    path("conversations/<uuid:conversation_id>", views.detail, name="detail"),
    path("conversations/<uuid:conversation_id>/messages", views.message, name="message"),
    path("conversations/<uuid:conversation_id>/feedback", views.feedback, name="feedback"),
    path("conversations/<uuid:conversation_id>/escalate", views.escalate, name="escalate"),
    path("conversations/<uuid:conversation_id>/events", views.events, name="events"),
]
