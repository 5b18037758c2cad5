from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/chat/<uuid:conversation_id>/", consumers.CustomerChatConsumer.as_asgi()),
    path("ws/agents/chats/<uuid:conversation_id>/", consumers.AgentChatConsumer.as_asgi()),
]
