from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("agents/emails/held/", views.held, name="held"),
    path("agents/emails/<int:pk>/", views.email_detail, name="email"),
    path("agents/emails/message/<int:message_pk>/", views.email_of_message, name="email_of_message"),
    path("agents/emails/<int:pk>/decide/", views.decide, name="decide"),
    path("agents/emails/attachments/<int:pk>/", views.attachment, name="attachment"),
]
