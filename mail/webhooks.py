"""The provider door: django-anymail's inbound webhooks (Mailgun, Postmark, SendGrid, Amazon SES…)
check the provider's signature and the shared webhook secret (HTTP basic auth), normalise the
message and send the `anymail.signals.inbound` signal; `inbound_received` hands the message's bytes
to the one intake.

`/mail/inbound/<provider>/` serves a provider only when it is configured: the shared secret
(ANYMAIL["WEBHOOK_SECRET"]) always, and the provider's signing key where it signs its webhooks. A
provider that is not configured answers 404, never a 500, and an unsigned or wrongly signed call
is refused by anymail (400)."""

from __future__ import annotations

from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .models import Door
from .services import door_receive

PROVIDERS = {
    "mailgun": MailgunInboundWebhookView,
    "postmark": PostmarkInboundWebhookView,
    "sendgrid": SendGridInboundWebhookView,
    "amazon_ses": AmazonSESInboundWebhookView,
}


def inbound_received(sender, event, esp_name, **kwargs) -> None:
    message = event.message
    if message is None:
        return
    door_receive(raw=message.as_bytes(), door=Door.WEBHOOK)


@csrf_exempt
def inbound(request: HttpRequest, provider: str) -> HttpResponse:
    view_class = PROVIDERS.get(provider)
    if view_class is None or not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        return HttpResponse("This provider is not configured.", status=404, content_type="text/plain")
    try:
        view = view_class.as_view()
        return view(request)
    except ImproperlyConfigured:
        return HttpResponse("This provider is not configured.", status=404, content_type="text/plain")
