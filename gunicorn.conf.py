"""gunicorn settings for the production profile (`gunicorn -c gunicorn.conf.py helpcenter.wsgi`)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Each worker keeps its own search engines in memory (shared-nothing), so count memory per worker.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycling a worker costs rebuilding its engines (tens of seconds with 10,000 articles): off unless
# asked for (GUNICORN_MAX_REQUESTS=2000, say, if memory were seen to grow).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
raw_env = [
    "DJANGO_SETTINGS_MODULE=" + os.environ.get("DJANGO_SETTINGS_MODULE", "helpcenter.settings.production")
]


def post_worker_init(worker):
    """Build this worker's chatbot engines in the background as it starts, so that the first
    customers in each language do not wait for them (requests that need one meanwhile wait for it)."""
    import threading

    from django.conf import settings
    from django.db import connection

    from kb.indexes import engines_warm

    def warm():
        try:
            engines_warm([code for code, _name in settings.LANGUAGES])
        finally:
            connection.close()

    threading.Thread(target=warm, name="engines-warm", daemon=True).start()
