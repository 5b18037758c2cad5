"""Local development: debug on, a per-checkout secret key generated on first use."""

import os
import secrets

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

# Off unless asked for (DJANGO_DEBUG=1): the site shows its own translated error pages, as customers
# see them, rather than Django's debug pages listing every URL pattern.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Static files straight from the app folders, without collectstatic, debug or not.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True


def _dev_secret_key() -> str:
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    # Never committed (.gitignore): each checkout gets its own key and keeps it across restarts,
    # so sessions and signed links survive a runserver reload.
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _dev_secret_key()
# `make run` builds every language's chatbot engine as the server starts (helpcenter/asgi.py), as
# gunicorn's workers do in production, so the first customers get the full engine, not the stand-in.
HELPCENTER_WARM_ENGINES_ON_START = env_bool("HELPCENTER_WARM_ENGINES_ON_START", True)
# Printed decoded, so that links can be clicked (helpcenter/mail.py).
MAILERS = {"default": {"BACKEND": "helpcenter.mail.ReadableConsoleBackend"}}
