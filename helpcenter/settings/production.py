"""Production: everything secret or site-specific comes from the environment; HTTPS assumed."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, tasks_setting

DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random string of at least 50 characters")

# Redis for the cache shared by all workers: rate-limit counters, sessions and page caches.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Live chat: the channel layer every web machine shares (one Redis database of its own, not the
# cache's or the task queue's). The in-memory layer would let an agent on one machine never hear a
# customer connected to another.
if not CHANNEL_LAYER_URL:  # noqa: F405
    raise ImproperlyConfigured(
        "CHANNEL_LAYER_URL must name the Redis database for live chat, e.g. redis://127.0.0.1:6379/2"
    )

# Customer e-mails, hand-off posts and engine builds go through the database queue (run
# `manage.py db_worker`), or Redis with TASKS_BACKEND=django_tasks_rq.RQBackend (docs/deploy.md).
TASKS = tasks_setting("django_tasks_db.DatabaseBackend")

# One engine build per content version and language on the machine, shared by every web worker
# (docs/deploy.md). A local directory writable by the web and task workers; "" turns sharing off.
HELPCENTER_ENGINE_ARTIFACTS = os.environ.get("HELPCENTER_ENGINE_ARTIFACTS", str(BASE_DIR / "var" / "engines"))  # noqa: F405
HELPCENTER_ENGINE_BUILD_IN_CHILD = env_bool("HELPCENTER_ENGINE_BUILD_IN_CHILD", True)
HELPCENTER_ENGINE_BUILD_PROCESSES = int(
    os.environ.get("HELPCENTER_ENGINE_BUILD_PROCESSES", str(os.cpu_count() or 1))  # noqa: F405
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed, content-hashed file names: browsers can cache static files forever.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Rate limits count per client address; behind the proxy that is the header it sets
# (nginx: proxy_set_header X-Real-IP $remote_addr), not the proxy's own address.
HELPCENTER_PROXY_IP_HEADER = os.environ.get("HELPCENTER_PROXY_IP_HEADER", "HTTP_X_REAL_IP")

# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]
