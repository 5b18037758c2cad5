from django.urls import path

from . import live_views, views

app_name = "chatbot"

urlpatterns = [
    path("chat/", views.chat_page, name="chat"),
    path("contact/suggestions/", views.contact_suggestions, name="contact_suggestions"),
    path("editors/content-gaps/", views.content_gaps, name="content_gaps"),
    path("editors/customers-also-ask/", views.customers_also_ask, name="customers_also_ask"),
    path("editors/assistant-confidence/", views.confidence_report, name="confidence_report"),
    path("agents/chats/", live_views.workspace, name="live_workspace"),
    path("agents/chats/presence/", live_views.presence, name="live_presence"),
    path("agents/chats/time-zone/", live_views.agent_timezone, name="live_timezone"),
    path("agents/chats/waiting/", live_views.waiting, name="live_waiting"),
    path("agents/chats/<uuid:conversation_id>/", live_views.chat, name="live_chat"),
    path("agents/chats/<uuid:conversation_id>/accept/", live_views.accept, name="live_accept"),
    path("agents/chats/<uuid:conversation_id>/events/", live_views.chat_events, name="live_chat_events"),
    path("agents/chats/<uuid:conversation_id>/messages/", live_views.chat_message, name="live_chat_message"),
    path("agents/chats/<uuid:conversation_id>/close/", live_views.close, name="live_close"),
    path("agents/chats/<uuid:conversation_id>/leave/", live_views.leave, name="live_leave"),
    path("agents/chats/<uuid:conversation_id>/transfer/", live_views.transfer, name="live_transfer"),
    path("editors/assistant-resolution/", views.bot_report, name="bot_report"),
]
