"""Test profile: fast hashing, debug off so error pages render as customers see them."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdefghij"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app folders, as in development, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Views are written at once so that tests can count them.
HELPCENTER_VIEW_COUNT_FLUSH_SECONDS = 0
# Tests read the bot's answers right after an edit, inside a transaction a thread could not see.
HELPCENTER_ENGINE_BACKGROUND_REBUILD = False
# The demo's fixtures build only the engines a test asks for.
HELPCENTER_DEMO_PREPARE_CHATBOT = False
HELPCENTER_MACHINE_TRANSLATOR = "kb.machine.DummyTranslator"
# The test process imports helpcenter.asgi: its collector is left as it is.
HELPCENTER_ASGI_GC_FREEZE = False
# Uploads made by tests go to a scratch folder, never the checkout's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="helpcenter-test-media-")
