from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("support")

    def ready(self) -> None:
        """support's part of customer data exports and erasures (core/privacy.py)."""
        from core import privacy

        from . import privacy as support_privacy

        privacy.register("support", export=support_privacy.export, erase=support_privacy.erase)
