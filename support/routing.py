from django.urls import path

from . import consumers

websocket_urlpatterns = [path("ws/agents/", consumers.StaffConsumer.as_asgi())]
