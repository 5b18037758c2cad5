"""gunicorn settings for the production profile (`gunicorn -c gunicorn.conf.py helpcenter.wsgi`)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Each worker keeps its own search engines in memory (shared-nothing), so count memory per worker.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a first request may rebuild an engine
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then; jitter spreads the restarts
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
raw_env = ["DJANGO_SETTINGS_MODULE=" + os.environ.get("DJANGO_SETTINGS_MODULE", "helpcenter.settings.production")]
