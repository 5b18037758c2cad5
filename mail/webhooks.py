"""The provider door: django-anymail's inbound webhooks (Mailgun, Postmark, SendGrid, Amazon SES…)
check the provider's signature and the shared webhook secret, normalise the message and send the
`anymail.signals.inbound` signal; this receiver hands the message's bytes to the one intake."""

from __future__ import annotations

from .models import Door
from .services import door_receive


def inbound_received(sender, event, esp_name, **kwargs) -> None:
    message = event.message
    if message is None:
        return
    door_receive(raw=message.as_bytes(), door=Door.WEBHOOK)
