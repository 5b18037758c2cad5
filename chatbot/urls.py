from django.urls import path

from . import views

app_name = "chatbot"

urlpatterns = [
    path("chat/", views.chat_page, name="chat"),
    path("contact/suggestions/", views.contact_suggestions, name="contact_suggestions"),
    path("editors/content-gaps/", views.content_gaps, name="content_gaps"),
    path("editors/customers-also-ask/", views.customers_also_ask, name="customers_also_ask"),
    path("editors/assistant-confidence/", views.confidence_report, name="confidence_report"),
    path("editors/assistant-resolution/", views.bot_report, name="bot_report"),
]
