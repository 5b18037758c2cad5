"""Text is stored in one form (LF line endings, nothing trailing), whichever way it was written: an
admin save that changes one word is a change of that word only (no revision, version or outdated
translation from the browser's CRLF), the stored text is cleaned by a data migration, and going back
to the source text a translation was made from makes it up to date again, by content."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.test import Client

from kb.fields import normalise_text
from kb.models import Article, SourceRevision, TranslationRecord, TranslationRevision
from kb.services import content_save
from kb.translations.permissions import codename
from kb.translations.rules import State
from kb.translations.selectors import content_versions, current_revision, translation_status
from kb.translations.services import translation_save, version_restore
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db

FIELDS = ("title", "slug", "summary", "body", "questions")
TRANSLATED = {
    "en": {
        "title": "Reset your password",
        "body": "Open the sign-in page.\n\nThe link lasts 30 minutes.",
        "questions": ["I forgot my password", "reset my password"],
    },
    "fr": {
        "title": "Réinitialiser votre mot de passe",
        "slug": "reinitialiser-mot-de-passe",
        "body": "Ouvrez la page de connexion.\n\nLe lien dure 30 minutes.",
        "questions": ["j'ai oublié mon mot de passe"],
    },
    "de": {
        "title": "Passwort zurücksetzen",
        "body": "Öffnen Sie die Anmeldeseite.\n\nDer Link gilt 30 Minuten.",
        "questions": ["Passwort vergessen"],
    },
}


def _editor():
    return make_staff(username="editor", permissions=("kb.change_article", "kb.view_article"))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _browser_form(article, **changes) -> dict:
    """Every field of the admin form as a browser posts it: textareas with CRLF line endings."""
    data = {
        f"{name}_{code.replace('-', '_')}": article.field_in(code, name).replace("\n", "\r\n")
        for name in FIELDS
        for code, _name in settings.LANGUAGES
    }
    data.update(category=article.category_id, status=article.status, order=article.order)
    data["loaded_at"] = article.updated_at.isoformat()
    data.update({name: value.replace("\n", "\r\n") for name, value in changes.items()})
    data["_save"] = "Save"
    return data


def _counts(article) -> tuple[int, int]:
    return (
        SourceRevision.objects.filter(article=article).count(),
        TranslationRevision.objects.filter(article=article).count(),
    )


def test_normalise_text_gives_lf_line_endings_and_nothing_trailing():
    assert normalise_text("One\r\nTwo\rThree\r\n\r\n  ") == "One\nTwo\nThree"
    assert normalise_text("    code block\n\nText") == "    code block\n\nText"  # Markdown indents stay
    assert normalise_text(None) is None


def test_an_admin_save_that_changes_nothing_records_nothing():
    editor = _editor()
    article = make_article(slug="reset-password", translations=TRANSLATED)
    before = _counts(article)
    response = _client(editor).post(f"/admin/kb/article/{article.pk}/change/", _browser_form(article))
    assert response.status_code == 302
    assert _counts(article) == before
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    assert LogEntry.objects.get(object_id=str(article.pk)).get_change_message() == "No fields changed."
    article.refresh_from_db()
    assert "\r" not in article.body_fr


def test_an_admin_save_that_changes_one_word_changes_only_that_field():
    editor = _editor()
    article = make_article(slug="reset-password", translations=TRANSLATED)
    revisions, versions = _counts(article)
    new_body = "Open the sign-in page.\n\nThe link lasts 60 minutes."
    response = _client(editor).post(
        f"/admin/kb/article/{article.pk}/change/", _browser_form(article, body_en=new_body)
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body_en == new_body
    # One new source revision that changed the body alone; no translation got a version "by editor".
    assert _counts(article) == (revisions + 1, versions)
    latest = content_versions(obj=article, language="en")[0]
    assert (latest.number, latest.changed, latest.author) == (2, ("body",), editor)
    assert LogEntry.objects.get(object_id=str(article.pk)).get_change_message() == "Changed Body [en]."
    # The translations were made from the old text: outdated by the real change, and only by it.
    assert translation_status(obj=article, language="fr").state == State.OUTDATED


def test_every_write_stores_the_normalised_text():
    editor = _editor()
    article = make_article(slug="reset-password", translations=TRANSLATED)
    article.summary_en = "Get back in.\r\n"
    content_save(obj=article, author=editor)
    translation_save(
        obj=article,
        language="fr",
        values={"body": "Ouvrez la page.\r\n\r\nC'est tout. \r\n"},
        user=make_staff(username="translator-fr", permissions=(f"kb.{codename('translate', 'fr')}",)),
    )
    article.refresh_from_db()
    assert (article.summary_en, article.body_fr) == ("Get back in.", "Ouvrez la page.\n\nC'est tout.")
    assert SourceRevision.objects.filter(article=article).order_by("-number")[0].text["summary"] == (
        "Get back in."
    )


def test_the_data_migration_cleans_stored_text_and_the_translations_a_crlf_save_outdated():
    article = make_article(slug="reset-password", translations=TRANSLATED)
    # As the admin stored it before: every text with CRLF, a revision 2 that differs only by that,
    # a version of each translation "by editor", the translations outdated.
    crlf = {
        f"{name}_{code}": article.field_in(code, name).replace("\n", "\r\n")
        for name in ("summary", "body", "questions")
        for code in ("en", "fr", "de")
    }
    Article.objects.filter(pk=article.pk).update(**crlf)
    first = SourceRevision.objects.get(article=article, number=1)
    SourceRevision.objects.create(
        article=article, number=2, text={k: v.replace("\n", "\r\n") for k, v in first.text.items()}
    )
    for version in TranslationRevision.objects.filter(article=article):
        TranslationRevision.objects.create(
            article=article,
            language=version.language,
            number=version.number + 1,
            made_from=1,
            text={k: v.replace("\n", "\r\n") for k, v in version.text.items()},
        )
    assert translation_status(obj=article, language="fr").state == State.OUTDATED

    migration = importlib.import_module("kb.migrations.0008_normalise_stored_text")
    migration.forwards(apps, None)

    article.refresh_from_db()
    assert article.body_en == TRANSLATED["en"]["body"]
    assert article.questions_fr == "j'ai oublié mon mot de passe"
    assert not any("\r" in value for row in SourceRevision.objects.all() for value in row.text.values())
    assert not any("\r" in value for row in TranslationRevision.objects.all() for value in row.text.values())
    assert TranslationRecord.objects.get(article=article, language="fr").source_revision == 2
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    # Saving it again now records nothing.
    before = _counts(article)
    _client(_editor()).post(f"/admin/kb/article/{article.pk}/change/", _browser_form(article))
    assert _counts(article) == before


# --- Back to the text a translation was made from --------------------------------------------


def _changed_then_restored(editor):
    article = make_article(slug="reset-password", translations=TRANSLATED)
    article.body_en = "Open the sign-in page.\n\nThe link lasts 60 minutes."
    content_save(obj=article, author=editor)
    assert translation_status(obj=article, language="fr").state == State.OUTDATED
    return article


def test_restoring_the_source_a_translation_was_made_from_makes_it_up_to_date_again():
    editor = _editor()
    article = _changed_then_restored(editor)
    assert version_restore(obj=article, language="en", number=1, user=editor) == 3
    for language in ("fr", "de"):
        status = translation_status(obj=article, language=language)
        assert (status.state, status.made_from, status.current) == (State.UP_TO_DATE, 3, 3)
    # The history says why: the source revision was restored from 1, and each translation has a
    # version (its text unchanged) saying it is up to date again with revision 3, the text of 1.
    assert SourceRevision.objects.get(article=article, number=3).restored_from == 1
    french = content_versions(obj=article, language="fr")[0]
    assert (french.changed, french.made_from, french.author) == ((), 3, editor)
    version = TranslationRevision.objects.get(article=article, language="fr", number=french.number)
    assert version.same_source_as == 1
    versions = f"/admin/kb/article/{article.pk}/versions/"
    page = _client(editor).get(f"{versions}?language=fr").content.decode()
    assert "Up to date again: source revision 3 has the same text as revision 1" in page
    source_page = _client(editor).get(f"{versions}?language=en").content.decode()
    assert "restored from revision 1" in source_page


def test_customers_see_no_outdated_notice_after_the_source_is_restored():
    editor = _editor()
    article = _changed_then_restored(editor)
    notice = 'class="notice translation-notice"'
    page = Client().get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()
    # The site's typographic apostrophe, not a straight one.
    assert notice in page and "L’original de cet article a été modifié" in page
    version_restore(obj=article, language="en", number=1, user=editor)
    assert notice not in Client().get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()


def test_editing_the_source_back_by_hand_makes_the_translations_up_to_date_too():
    editor = _editor()
    article = _changed_then_restored(editor)
    _client(editor).post(
        f"/admin/kb/article/{article.pk}/change/", _browser_form(article, body_en=TRANSLATED["en"]["body"])
    )
    assert current_revision(article) == 3
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE


def test_a_translation_made_from_another_text_stays_outdated_after_a_restore():
    editor = _editor()
    article = _changed_then_restored(editor)
    # French is brought up to date with revision 2 (the 60 minutes); German is not.
    translation_save(
        obj=article,
        language="fr",
        values={"body": "Ouvrez la page de connexion.\n\nLe lien dure 60 minutes."},
        user=make_staff(username="translator-fr", permissions=(f"kb.{codename('translate', 'fr')}",)),
        up_to_date=True,
    )
    version_restore(obj=article, language="en", number=1, user=editor)
    assert translation_status(obj=article, language="fr").state == State.OUTDATED
    assert translation_status(obj=article, language="de").state == State.UP_TO_DATE
