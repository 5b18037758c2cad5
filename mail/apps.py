from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "mail"
    verbose_name = _("inbound e-mail")

    def ready(self) -> None:
        """mail's part of customer data exports and erasures (core/privacy.py), and the receiver of
        django-anymail's inbound webhooks (a signal is how anymail hands a message over)."""
        from anymail.signals import inbound

        from core import privacy

        from . import privacy as mail_privacy
        from . import webhooks

        privacy.register("mail", export=mail_privacy.export, erase=mail_privacy.erase)
        inbound.connect(webhooks.inbound_received, dispatch_uid="mail.inbound")
