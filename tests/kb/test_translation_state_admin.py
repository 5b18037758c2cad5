"""Translation state follows the work: updating an outdated translation in the article's admin form
asks "up to date with source revision N?"; yes records that revision, no keeps it outdated and says
why, and the form links the translator's page with the diff."""

import pytest
from django.conf import settings
from django.test import Client

from kb.models import TranslationRecord
from kb.services import content_save
from kb.translations.permissions import codename
from kb.translations.rules import State
from kb.translations.selectors import translation_status
from tests.factories import make_article, make_category, make_staff

pytestmark = pytest.mark.django_db

EN_FR = {
    "en": {"title": "Reset your password", "body": "Open the sign-in page.\n\nClick *Forgot password*."},
    "fr": {
        "title": "Réinitialiser votre mot de passe",
        "slug": "reinitialiser-mot-de-passe",
        "body": "Ouvrez la page de connexion.\n\nCliquez sur *Mot de passe oublié*.",
    },
}
FIELDS = ("title", "slug", "summary", "body", "questions")


def _outdated_article():
    """French made from revision 1; the English body changed since (revision 2)."""
    article = make_article(slug="reset-password", translations=EN_FR)
    article.body_en = "Open the sign-in page.\n\nClick *Reset my password*."
    content_save(obj=article)
    assert translation_status(obj=article, language="fr").state == State.OUTDATED
    return article


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _translator():
    return make_staff(username="translator-fr", permissions=(f"kb.{codename('translate', 'fr')}",))


def _french_form(article, **changes) -> dict:
    data = {f"{name}_fr": article.field_in("fr", name) for name in FIELDS}
    data.update(changes)
    data["_save"] = "Save"
    return data


def _editor_form(article, **changes) -> dict:
    data = {
        f"{name}_{code.replace('-', '_')}": article.field_in(code, name)
        for name in FIELDS
        for code, _name in settings.LANGUAGES
    }
    data.update(category=article.category_id, status=article.status, order=article.order)
    data.update(changes)
    data["_save"] = "Save"
    return data


NEW_BODY = "Ouvrez la page de connexion.\n\nCliquez sur *Réinitialiser mon mot de passe*."


def test_form_asks_about_an_outdated_translation_and_links_the_translators_page():
    article = _outdated_article()
    page = _client(_translator()).get(f"/admin/kb/article/{article.pk}/change/").content.decode()
    assert "Is the French translation up to date with source revision 2?" in page
    assert 'name="up_to_date_fr"' in page
    assert "Made from source revision 1; the source is now at revision 2." in page
    assert f'href="/admin/kb/article/{article.pk}/translate/fr/#diff-title"' in page


def test_changing_an_outdated_translation_without_an_answer_is_refused_and_saves_nothing():
    article = _outdated_article()
    client = _client(_translator())
    response = client.post(f"/admin/kb/article/{article.pk}/change/", _french_form(article, body_fr=NEW_BODY))
    assert response.status_code == 200
    assert "say whether it is now up to date with source revision 2" in response.content.decode()
    article.refresh_from_db()
    assert article.body_fr.endswith("*Mot de passe oublié*.")


def test_answering_yes_records_the_revision_asked_about():
    article = _outdated_article()
    client = _client(_translator())
    response = client.post(
        f"/admin/kb/article/{article.pk}/change/",
        _french_form(article, body_fr=NEW_BODY, up_to_date_fr="yes"),
        follow=True,
    )
    assert "The French translation is up to date with source revision 2." in response.content.decode()
    article.refresh_from_db()
    assert article.body_fr == NEW_BODY
    record = TranslationRecord.objects.get(article=article, language="fr")
    assert (record.source_revision, record.updated_by.username) == (2, "translator-fr")
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    assert (
        "translation-notice" not in Client().get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()
    )
    # Up to date now: the form asks no more.
    assert "up_to_date_fr" not in client.get(f"/admin/kb/article/{article.pk}/change/").content.decode()


def test_answering_no_keeps_it_outdated_and_says_why():
    article = _outdated_article()
    response = _client(_translator()).post(
        f"/admin/kb/article/{article.pk}/change/",
        _french_form(article, body_fr=NEW_BODY, up_to_date_fr="no"),
        follow=True,
    )
    content = response.content.decode()
    assert "The French translation stays outdated: it was made from source revision 1" in content
    assert "the source is at revision 2" in content
    article.refresh_from_db()
    assert article.body_fr == NEW_BODY
    assert translation_status(obj=article, language="fr").made_from == 1
    assert translation_status(obj=article, language="fr").state == State.OUTDATED
    assert "translation-notice" in Client().get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()


def test_yes_records_the_revision_asked_about_even_when_the_same_save_changes_the_source():
    article = _outdated_article()
    editor = make_staff(username="editor", permissions=("kb.change_article", "kb.view_article"))
    response = _client(editor).post(
        f"/admin/kb/article/{article.pk}/change/",
        _editor_form(article, body_fr=NEW_BODY, title_en="Reset a forgotten password", up_to_date_fr="yes"),
    )
    assert response.status_code == 302
    status = translation_status(obj=article, language="fr")
    # Checked against revision 2; the save made revision 3, which the translation has not seen.
    assert (status.made_from, status.current, status.state) == (2, 3, State.OUTDATED)


def test_a_yes_without_changes_marks_it_up_to_date_too():
    article = _outdated_article()
    _client(_translator()).post(
        f"/admin/kb/article/{article.pk}/change/", _french_form(article, up_to_date_fr="yes")
    )
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE


def test_up_to_date_translations_and_other_languages_are_not_asked_about():
    article = make_article(slug="reset-password", translations=EN_FR)
    client = _client(_translator())
    page = client.get(f"/admin/kb/article/{article.pk}/change/").content.decode()
    assert "up_to_date_" not in page
    response = client.post(f"/admin/kb/article/{article.pk}/change/", _french_form(article, body_fr=NEW_BODY))
    assert response.status_code == 302
    # German is outdated too, but this translator cannot translate it: no question, and a forged
    # answer is ignored.
    german = make_article(
        slug="dns",
        translations={"en": {"title": "DNS"}, "de": {"title": "DNS-Einträge"}, "fr": {"title": "DNS"}},
    )
    german.title_en = "DNS records"
    content_save(obj=german)
    page = client.get(f"/admin/kb/article/{german.pk}/change/").content.decode()
    assert 'name="up_to_date_fr"' in page and 'name="up_to_date_de"' not in page
    client.post(
        f"/admin/kb/article/{german.pk}/change/",
        _french_form(german, up_to_date_fr="no", up_to_date_de="yes"),
    )
    assert translation_status(obj=german, language="de").state == State.OUTDATED


def test_category_form_asks_too():
    category = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    category.name_en = "Billing and invoices"
    content_save(obj=category)
    client = _client(_translator())
    url = f"/admin/kb/category/{category.pk}/change/"
    assert "up to date with source revision 2?" in client.get(url).content.decode()
    base = {"name_fr": "Facturation et factures", "slug_fr": "", "description_fr": "", "_save": "Save"}
    assert client.post(url, base).status_code == 200
    assert client.post(url, {**base, "up_to_date_fr": "yes"}).status_code == 302
    assert translation_status(obj=category, language="fr").state == State.UP_TO_DATE
