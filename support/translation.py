from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from .models import Region, SavedReply


@register(Region)
class RegionTranslationOptions(TranslationOptions):
    # Customers read a team's name in their own language ("notre équipe Europe, Moyen-Orient et
    # Afrique"); the code stays the internal identifier.
    fields = ("name",)
    required_languages = {settings.LANGUAGE_CODE: ("name",)}


@register(SavedReply)
class SavedReplyTranslationOptions(TranslationOptions):
    fields = ("title", "body")
    required_languages = {settings.LANGUAGE_CODE: ("title", "body")}
