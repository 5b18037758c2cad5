"""Article history: every saved version of the source and of each translation (who, when, which
fields), a diff between any two, and "restore this version" through the normal write path. Editors
restore the source; translators their own language only; every view checks."""

import pytest
from django.test import Client

from kb.models import SourceRevision, TranslationRevision
from kb.services import content_save
from kb.translations import formats
from kb.translations.permissions import codename
from kb.translations.rules import State
from kb.translations.selectors import (
    content_versions,
    current_revision,
    translation_status,
    translations_export,
)
from kb.translations.services import (
    WorkflowError,
    translation_machine_translate,
    translation_save,
    translations_import,
    version_restore,
)
from tests.factories import make_article, make_category, make_staff

pytestmark = pytest.mark.django_db

EN_FR = {
    "en": {"title": "Reset your password", "body": "Open the sign-in page.\n\nClick *Forgot password*."},
    "fr": {
        "title": "Réinitialiser votre mot de passe",
        "slug": "reinitialiser-mot-de-passe",
        "body": "Ouvrez la page de connexion.",
    },
    "de": {"title": "Passwort zurücksetzen", "body": "Öffnen Sie die Anmeldeseite."},
}


def _editor():
    return make_staff(username="editor", permissions=("kb.change_article", "kb.view_article"))


def _translator(language="fr", username=None):
    return make_staff(
        username=username or f"translator-{language}", permissions=(f"kb.{codename('translate', language)}",)
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _article_with_history(editor):
    """Source revisions 1 (created), 2 (body changed by the editor); French versions 1 and 2."""
    article = make_article(slug="reset-password", translations=EN_FR)
    article.body_en = "Open the sign-in page.\n\nClick *Reset my password*."
    content_save(obj=article, author=editor)
    translation_save(
        obj=article,
        language="fr",
        values={"body": "Ouvrez la page de connexion.\n\nCliquez sur *Réinitialiser*."},
        user=_translator(username="first-translator-fr"),
        up_to_date=True,
    )
    return article


# --- What is recorded ----------------------------------------------------------------------------


def test_every_translation_save_is_a_version_with_who_when_and_which_fields():
    editor = _editor()
    article = _article_with_history(editor)
    french = content_versions(obj=article, language="fr")
    assert [(v.number, v.changed, v.made_from, v.current) for v in french] == [
        (2, ("body",), 2, True),
        (1, ("title", "slug", "body"), 1, False),
    ]
    assert french[0].author.username == "first-translator-fr" and french[0].created_at is not None
    source = content_versions(obj=article, language="en")
    assert [(v.number, v.changed, v.author and v.author.username) for v in source] == [
        (2, ("body",), "editor"),
        (1, ("title", "body"), None),
    ]
    # German was saved once, with the article.
    assert [v.number for v in content_versions(obj=article, language="de")] == [1]


def test_machine_translations_and_imports_are_versions_in_their_state():
    article = make_article(slug="reset-password", translations={"en": EN_FR["en"]})
    translation_machine_translate(obj=article, language="ja")
    version = content_versions(obj=article, language="ja")[0]
    assert (version.number, version.machine, version.made_from) == (1, True, 1)
    bundle = formats.read(formats.write(translations_export(language="es"), "po"), "po")
    items = tuple(
        formats.Item(
            item.kind,
            item.key,
            item.revision,
            item.state,
            tuple(
                formats.Unit(u.field, u.source, "Restablecer" if u.field == "title" else "")
                for u in item.units
            ),
        )
        for item in bundle.items
        if item.kind == "article"
    )
    translations_import(bundle=formats.Bundle("en", "es", items))
    version = content_versions(obj=article, language="es")[0]
    assert (version.number, version.machine, version.made_from, version.text["title"]) == (
        1,
        False,
        1,
        "Restablecer",
    )


# --- Restore -------------------------------------------------------------------------------------


def test_restoring_a_source_version_creates_a_new_revision_and_outdates_other_translations():
    editor = _editor()
    article = _article_with_history(editor)
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    new = version_restore(obj=article, language="en", number=1, user=editor)
    article.refresh_from_db()
    assert new == 3 and current_revision(article) == 3
    assert article.body_en == "Open the sign-in page.\n\nClick *Forgot password*."
    latest = SourceRevision.objects.get(article=article, number=3)
    assert latest.author == editor and latest.text["body"] == article.body_en
    # French was made from revision 2, which this is not; German from revision 1, which it is again
    # (compared by content: tests/kb/test_normalised_text.py).
    assert translation_status(obj=article, language="fr").state == State.OUTDATED
    assert translation_status(obj=article, language="de").state == State.UP_TO_DATE


def test_restoring_a_translation_version_brings_back_its_text_and_its_state():
    editor = _editor()
    article = _article_with_history(editor)
    translator = _translator(username="translator-fr-2")
    new = version_restore(obj=article, language="fr", number=1, user=translator)
    article.refresh_from_db()
    assert new == 3 and article.body_fr == "Ouvrez la page de connexion."
    # Version 1 was made from source revision 1; the source is at 2: outdated again, honestly.
    status = translation_status(obj=article, language="fr")
    assert (status.made_from, status.state) == (1, State.OUTDATED)
    assert TranslationRevision.objects.get(article=article, language="fr", number=3).author == translator
    assert current_revision(article) == 2  # the source did not move


def test_a_translator_can_restore_only_their_language():
    editor = _editor()
    article = _article_with_history(editor)
    translator = _translator()
    with pytest.raises(WorkflowError):
        version_restore(obj=article, language="en", number=1, user=translator)
    with pytest.raises(WorkflowError):
        version_restore(obj=article, language="de", number=1, user=translator)
    client = _client(translator)
    base = f"/admin/kb/article/{article.pk}/versions/"
    assert client.post(f"{base}en/1/restore/").status_code == 403
    assert client.get(f"{base}en/1/restore/").status_code == 403
    assert client.post(f"{base}de/1/restore/").status_code == 403
    assert client.get(f"{base}compare/?a=1&b=1".replace("compare", "de/compare")).status_code == 403
    article.refresh_from_db()
    assert article.body_en.endswith("*Reset my password*.") and current_revision(article) == 2
    response = client.post(f"{base}fr/1/restore/")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body_fr == "Ouvrez la page de connexion."


def test_restoring_the_current_text_is_refused_with_a_reason():
    editor = _editor()
    article = _article_with_history(editor)
    with pytest.raises(WorkflowError, match="current text already"):
        version_restore(obj=article, language="en", number=2, user=editor)
    response = _client(editor).post(f"/admin/kb/article/{article.pk}/versions/en/2/restore/", follow=True)
    assert "This version is the current text already." in response.content.decode()
    assert current_revision(article) == 2


def test_restoring_a_slug_another_article_took_meanwhile_is_refused():
    editor = _editor()
    article = _article_with_history(editor)
    translation_save(obj=article, language="fr", values={"slug": "mot-de-passe"}, user=editor)
    make_article(slug="other", translations={"en": {"title": "Other"}, "fr": {"title": "Autre"}})
    other = make_article(slug="other-2", translations={"en": {"title": "Other 2"}})
    translation_save(
        obj=other, language="fr", values={"title": "X", "slug": "reinitialiser-mot-de-passe"}, user=editor
    )
    with pytest.raises(WorkflowError, match="used by another page"):
        version_restore(obj=article, language="fr", number=1, user=editor)


# --- Pages ---------------------------------------------------------------------------------------


def test_history_page_lists_versions_with_who_and_which_fields():
    editor = _editor()
    article = _article_with_history(editor)
    client = _client(editor)
    change = client.get(f"/admin/kb/article/{article.pk}/change/").content.decode()
    assert f'href="/admin/kb/article/{article.pk}/versions/"' in change
    page = client.get(f"/admin/kb/article/{article.pk}/versions/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "2 versions" in content and "editor" in content and "the system" in content
    assert f'href="/admin/kb/article/{article.pk}/versions/en/1/restore/"' in content
    assert f'href="/admin/kb/article/{article.pk}/versions/en/2/restore/"' not in content  # the current one
    french = client.get(f"/admin/kb/article/{article.pk}/versions/?language=fr").content.decode()
    assert "first-translator-fr" in french and "source revision 1" in french


def test_compare_shows_the_difference_between_any_two_versions_escaped():
    editor = _editor()
    article = make_article(slug="reset-password", translations=EN_FR)
    article.body_en = "Open the sign-in page.\n\n<script>alert(1)</script> & *Reset*."
    content_save(obj=article, author=editor)
    article.title_en = "Reset a password"
    content_save(obj=article, author=editor)
    client = _client(editor)
    response = client.get(f"/admin/kb/article/{article.pk}/versions/en/compare/?a=3&b=1")
    assert response.status_code == 200
    content = response.content.decode()
    assert "version 1 compared with version 3" in content
    assert '<span class="diff-removed">− <mark>Click</mark> *<mark>Forgot password</mark>*.</span>' in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in content and "<script>alert" not in content
    assert "− Reset <mark>your</mark> password" in content and "+ Reset <mark>a</mark> password" in content


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 400), ("?a=1", 400), ("?a=x&b=1", 400), ("?a=1&b=9", 404), ("?a=0&b=1", 400)],
)
def test_compare_refuses_bad_input_with_a_clear_4xx(query, status):
    editor = _editor()
    article = _article_with_history(editor)
    response = _client(editor).get(f"/admin/kb/article/{article.pk}/versions/en/compare/{query}")
    assert response.status_code == status


def test_restore_page_confirms_with_the_diff_before_saving():
    editor = _editor()
    article = _article_with_history(editor)
    client = _client(editor)
    url = f"/admin/kb/article/{article.pk}/versions/en/1/restore/"
    page = client.get(url).content.decode()
    assert "Restore version 1" in page and "csrfmiddlewaretoken" in page and "<mark>Forgot</mark>" in page
    assert current_revision(article) == 2  # a GET changes nothing
    response = client.post(url, follow=True)
    assert "Version 1 restored: it is now version 3." in response.content.decode()
    assert current_revision(article) == 3


def test_history_views_refuse_people_without_a_role_and_anonymous_visitors():
    editor = _editor()
    article = _article_with_history(editor)
    base = f"/admin/kb/article/{article.pk}/versions/"
    urls = [base, f"{base}en/compare/?a=1&b=2", f"{base}en/1/restore/"]
    agent = _client(make_staff(username="agent", permissions=("kb.view_article",)))
    for url in urls:
        assert agent.get(url).status_code == 403
        assert Client().get(url).status_code == 302  # to the sign-in page
    assert agent.post(f"{base}en/1/restore/").status_code == 403
    assert current_revision(article) == 2
    assert _client(editor).get("/admin/kb/article/999999/versions/").status_code in (302, 404)
    assert _client(editor).get(f"{base}xx/compare/?a=1&b=2").status_code == 404
    assert _client(editor).get(f"{base}?language=xx").status_code == 404


def test_translator_sees_the_source_and_their_language_only():
    editor = _editor()
    article = _article_with_history(editor)
    client = _client(_translator())
    page = client.get(f"/admin/kb/article/{article.pk}/versions/").content.decode()
    assert "?language=fr" in page and "?language=en" in page and "?language=de" not in page
    assert client.get(f"/admin/kb/article/{article.pk}/versions/?language=de").status_code == 404
    source = client.get(f"/admin/kb/article/{article.pk}/versions/?language=en").content.decode()
    assert "/restore/" not in source  # the source is the editors'


def test_categories_have_a_history_too():
    editor = _editor()
    category = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    category.name_en = "Billing and invoices"
    content_save(obj=category, author=editor)
    client = _client(
        make_staff(
            username="chief", permissions=("kb.change_article", "kb.change_category", "kb.view_category")
        )
    )
    assert client.get(f"/admin/kb/category/{category.pk}/versions/").status_code == 200
    assert client.post(f"/admin/kb/category/{category.pk}/versions/en/1/restore/").status_code == 302
    category.refresh_from_db()
    assert category.name_en == "Billing" and current_revision(category) == 3
