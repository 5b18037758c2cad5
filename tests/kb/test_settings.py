from django.conf import settings

from kb.models import Article


def test_every_site_language_has_translated_article_columns():
    columns = {field.name for field in Article._meta.get_fields()}
    for code, _name in settings.LANGUAGES:
        suffix = code.replace("-", "_")
        assert {f"title_{suffix}", f"body_{suffix}", f"slug_{suffix}", f"questions_{suffix}"} <= columns


def test_source_language_is_first_and_is_the_fallback():
    assert settings.LANGUAGES[0][0] == settings.LANGUAGE_CODE == settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    assert settings.MODELTRANSLATION_FALLBACK_LANGUAGES == (settings.LANGUAGE_CODE,)
