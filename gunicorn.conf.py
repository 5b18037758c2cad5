"""gunicorn settings for the production profile (`gunicorn -c gunicorn.conf.py helpcenter.wsgi`)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
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
# Workers are forked from a master that has already imported Django and the search stack (numpy,
# SciPy, scikit-learn): those pages stay shared, counted once, instead of each worker importing its
# own copy (bench/engine_sharing.py: 4 workers' total PSS before any engine, see docs/deploy.md).
# GUNICORN_PRELOAD=0 when code must be reloaded with HUP instead of a restart.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
accesslog = "-"
errorlog = "-"
raw_env = [
    "DJANGO_SETTINGS_MODULE=" + os.environ.get("DJANGO_SETTINGS_MODULE", "helpcenter.settings.production")
]


def when_ready(server):
    """Before the first worker is forked: no database connection may be inherited (two processes on
    one socket), and the imported objects go to the collector's permanent generation, so that a
    worker's collections do not write to (and so copy) every shared page."""
    if not preload_app:
        return
    import gc

    from django.db import connections
    from django.urls import get_resolver

    # Every view module, imported once here rather than by each worker's first requests.
    get_resolver().url_patterns  # noqa: B018
    connections.close_all()
    gc.collect()
    gc.freeze()


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
