from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from helpcenter.health import health
from kb.sitemaps import sitemaps
from kb.views import media_file
from mail import webhooks as mail_webhooks


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links to: send them to the icon."""
    return redirect(static("favicon.svg"), permanent=True)


# Staff refused a page see a staff page that says why (helpcenter/errors.py); customers the public one.
handler403 = "helpcenter.errors.permission_denied"

urlpatterns = [
    path("favicon.ico", favicon),
    path("healthz", health, name="health"),
    # Uploaded article images (local storage; kb.views.media_file), cached for a year.
    path("media/<path:name>", media_file, name="media"),
    path("admin/", admin.site.urls),
    path("api/chat/", include("chatbot.api_urls")),
    # Provider webhooks for inbound e-mail (django-anymail, mail/webhooks.py).
    path("mail/inbound/<slug:provider>/", mail_webhooks.inbound, name="mail_inbound"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="django.contrib.sitemaps.views.sitemap"),
]

# The prefix picks the language of every public page: /en/, /fr/, /zh-hans/ ... and "/" redirects
# to the visitor's language (Accept-Language / language cookie).
urlpatterns += i18n_patterns(
    path("", include("kb.urls")),
    path("", include("support.urls")),
    path("", include("chatbot.urls")),
    path("", include("mail.urls")),
    prefix_default_language=True,
)
