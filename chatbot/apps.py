from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatbotConfig(AppConfig):
    name = "chatbot"
    verbose_name = _("chatbot")

    def ready(self) -> None:
        """chatbot's part of customer data exports and erasures (core/privacy.py)."""
        from core import privacy

        from . import privacy as chatbot_privacy

        privacy.register("chat", export=chatbot_privacy.export, erase=chatbot_privacy.erase)
