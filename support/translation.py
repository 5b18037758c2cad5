from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from .models import SavedReply


@register(SavedReply)
class SavedReplyTranslationOptions(TranslationOptions):
    fields = ("title", "body")
    required_languages = {settings.LANGUAGE_CODE: ("title", "body")}
