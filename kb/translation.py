from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from .models import Article, ArticleImage, Category


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "slug", "description")
    required_languages = {settings.LANGUAGE_CODE: ("name", "slug")}
    # NULL, not "", for a missing slug translation: slugs are unique per language.
    empty_values = {"slug": None}


@register(Article)
class ArticleTranslationOptions(TranslationOptions):
    fields = ("title", "slug", "summary", "body", "questions")
    required_languages = {settings.LANGUAGE_CODE: ("title", "slug")}
    empty_values = {"slug": None}


@register(ArticleImage)
class ArticleImageTranslationOptions(TranslationOptions):
    fields = ("alt", "caption")
    required_languages = {settings.LANGUAGE_CODE: ("alt",)}
