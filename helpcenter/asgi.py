"""The ASGI application: Django's HTTP views and the live chat's WebSockets (docs/deploy.md).

Every socket goes through the same checks as the pages: the Origin header must name an allowed host
(a page on another site cannot open a customer's or an agent's socket with their cookies), and the
session's user is loaded as for a view; each consumer then checks what it serves."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")
# Django first: the routing below imports models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chatbot.routing import websocket_urlpatterns as chat_sockets  # noqa: E402
from support.routing import websocket_urlpatterns as staff_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(chat_sockets + staff_sockets))
        ),
    }
)

if getattr(settings, "HELPCENTER_ASGI_GC_FREEZE", False):
    import gc

    # What gunicorn.conf.py's when_ready does for the HTTP workers: everything imported so far
    # (Django, and the search stack's numpy, SciPy and scikit-learn that the models import) goes to
    # the collector's permanent generation. Otherwise each full collection walked it all for objects
    # it never freed: 136-252 ms pauses of a uvicorn worker under bench/livechat.py (gc.callbacks,
    # 20-63 objects collected each time), in which none of its 500 sockets was served.
    gc.collect()
    gc.freeze()


def _warm_engines() -> None:
    from django.db import connection

    from chatbot.services import chatbot_prepare

    try:
        chatbot_prepare()
    finally:
        connection.close()


if getattr(settings, "HELPCENTER_WARM_ENGINES_ON_START", False):
    import threading

    threading.Thread(target=_warm_engines, name="engines-warm", daemon=True).start()
