from django.urls import path

from . import views

app_name = "chatbot"

urlpatterns = [path("chat/", views.chat_page, name="chat")]
