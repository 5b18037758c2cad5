"""The translation workflow: source revisions, derived states, per-language roles enforced on the
server, the coverage dashboard, XLIFF/PO exchange, machine translation with review, public notices."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from kb.models import Article, ArticleViewCount, SearchLog, SourceRevision, TranslationRecord
from kb.services import article_shown_record, content_save
from kb.translations import formats, rules
from kb.translations.permissions import codename
from kb.translations.rules import State
from kb.translations.selectors import (
    current_revision,
    translation_coverage,
    translation_priorities,
    translation_status,
    translations_export,
)
from kb.translations.services import (
    ImportRejected,
    MachineTranslationUnavailable,
    WorkflowError,
    translation_approve,
    translation_machine_translate,
    translation_mark_up_to_date,
    translations_import,
)
from tests.factories import make_article, make_category, make_staff

pytestmark = pytest.mark.django_db

EN_FR = {
    "en": {
        "title": "Reset your password",
        "summary": "Get back in.",
        "body": "Open the sign-in page.\n\nClick *Forgot password*.",
        "questions": ["I forgot my password"],
    },
    "fr": {
        "title": "Réinitialiser votre mot de passe",
        "slug": "reinitialiser-mot-de-passe",
        "summary": "Revenez.",
        "body": "Ouvrez la page de connexion.",
        "questions": ["J'ai oublié mon mot de passe"],
    },
}


def _article(**kwargs):
    return make_article(slug="reset-password", translations=EN_FR, **kwargs)


def _translator(language="fr", *, review=False, username=None):
    permissions = [f"kb.{codename('translate', language)}"]
    if review:
        permissions.append(f"kb.{codename('review', language)}")
    return make_staff(username=username or f"translator-{language}", permissions=tuple(permissions))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change_source(article, author=None, **fields):
    for name, value in fields.items():
        setattr(article, f"{name}_en", value)
    content_save(obj=article, author=author)


# --- Revisions -----------------------------------------------------------------------------------


def test_creating_an_article_records_revision_one_and_its_translations_made_from_it():
    article = _article()
    revision = SourceRevision.objects.get(article=article)
    assert revision.number == 1 and revision.text["title"] == "Reset your password"
    assert TranslationRecord.objects.get(article=article, language="fr").source_revision == 1
    assert not TranslationRecord.objects.filter(article=article, language="de").exists()


def test_a_save_that_changes_nothing_in_the_source_records_no_revision():
    article = _article()
    content_save(obj=article)
    article.order = 7
    article.status = "draft"
    content_save(obj=article)
    article.title_fr = "Réinitialiser le mot de passe"
    content_save(obj=article)
    assert SourceRevision.objects.filter(article=article).count() == 1


def test_each_source_change_records_a_revision_with_its_author():
    article = _article()
    editor = make_staff(permissions=("kb.change_article",))
    _change_source(article, author=editor, body="Open the sign-in page.\n\nClick *Reset*.")
    _change_source(article, questions="I forgot my password\nlocked out")
    numbers = list(
        SourceRevision.objects.filter(article=article)
        .order_by("number")
        .values_list("number", "author__username")
    )
    assert numbers == [(1, None), (2, "editor"), (3, None)]
    assert SourceRevision.objects.get(article=article, number=2).text["body"].endswith("*Reset*.")


def test_category_name_changes_are_revisions_too():
    category = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    category.name_en = "Billing and invoices"
    content_save(obj=category)
    assert current_revision(category) == 2
    assert translation_status(obj=category, language="fr").state == State.OUTDATED


# --- States --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("has_text", "made_from", "current", "machine", "expected"),
    [
        (False, None, 3, False, State.MISSING),
        (False, 2, 3, True, State.MISSING),
        (True, 2, 3, False, State.OUTDATED),
        (True, 2, 3, True, State.OUTDATED),
        (True, 3, 3, True, State.NEEDS_REVIEW),
        (True, 3, 3, False, State.UP_TO_DATE),
        (True, None, 1, False, State.UP_TO_DATE),
        (True, None, 2, False, State.OUTDATED),
    ],
)
def test_state_derivation(has_text, made_from, current, machine, expected):
    assert (
        rules.derive_state(has_text=has_text, made_from=made_from, current=current, machine=machine)
        == expected
    )


def test_all_four_states_are_derived_from_the_database():
    article = _article()
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    assert translation_status(obj=article, language="de").state == State.MISSING
    translation_machine_translate(obj=article, language="de")
    assert translation_status(obj=article, language="de").state == State.NEEDS_REVIEW
    _change_source(article, title="Reset a forgotten password")
    assert translation_status(obj=article, language="fr").state == State.OUTDATED
    assert translation_status(obj=article, language="de").state == State.OUTDATED


def test_mark_as_up_to_date_records_the_current_revision():
    article = _article()
    _change_source(article, title="Reset a forgotten password")
    status = translation_mark_up_to_date(obj=article, language="fr", user=_translator())
    assert (status.state, status.made_from, status.current) == (State.UP_TO_DATE, 2, 2)


def test_source_diff_lists_removed_and_added_lines():
    diffs = rules.source_diff(
        {"body": "a\nb\nc", "title": "T"}, {"body": "a\nB\nc", "title": "T"}, ["title", "body"]
    )
    assert [d.field for d in diffs] == ["body"]
    assert [(line.kind, line.text) for line in diffs[0].lines] == [
        ("same", "a"),
        ("removed", "b"),
        ("added", "B"),
        ("same", "c"),
    ]


# --- Roles ---------------------------------------------------------------------------------------


def _admin_form(article, **changes):
    data = {
        f"{name}_fr": article.field_in("fr", name)
        for name in ("title", "slug", "summary", "body", "questions")
    }
    data.update(changes)
    data["_save"] = "Save"
    return data


def test_french_translator_edits_the_french_fields_in_the_admin():
    article = _article()
    client = _client(_translator())
    page = client.get(f"/admin/kb/article/{article.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert (
        'name="title_fr"' in content and 'name="title_de"' not in content and 'name="title_en"' not in content
    )
    response = client.post(
        f"/admin/kb/article/{article.pk}/change/", _admin_form(article, title_fr="Nouveau titre")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title_fr == "Nouveau titre" and article.title_en == "Reset your password"


@pytest.mark.parametrize(
    ("field", "value"),
    [("title_de", "Passwort"), ("title_en", "Hacked"), ("status", "draft"), ("category", "999")],
)
def test_french_translators_post_changing_another_field_is_refused_and_changes_nothing(field, value):
    article = _article()
    client = _client(_translator())
    response = client.post(
        f"/admin/kb/article/{article.pk}/change/", _admin_form(article, title_fr="Nouveau", **{field: value})
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title_fr == "Réinitialiser votre mot de passe"
    assert article.title_de == "" or article.title_de is None
    assert article.title_en == "Reset your password" and article.status == "published"


def test_translators_cannot_add_delete_or_publish():
    article = _article(status="draft")
    client = _client(_translator())
    assert client.get("/admin/kb/article/add/").status_code == 403
    assert client.post("/admin/kb/article/add/", {"title_en": "New", "slug_en": "new"}).status_code == 403
    assert client.post(f"/admin/kb/article/{article.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post("/admin/kb/article/", {"action": "publish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == "draft" and Article.objects.count() == 1


def test_french_translator_edits_category_names_only_in_french():
    category = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    client = _client(_translator())
    url = f"/admin/kb/category/{category.pk}/change/"
    base = {"name_fr": "Facturation", "slug_fr": "", "description_fr": "", "_save": "Save"}
    assert client.post(url, {**base, "name_de": "Rechnungen"}).status_code == 403
    assert client.post(url, {**base, "name_fr": "Factures"}).status_code == 302
    category.refresh_from_db()
    assert (category.name_fr, category.name_de or "") == ("Factures", "")


def test_translator_page_is_refused_for_other_languages_and_for_people_without_a_role():
    article = _article()
    translator = _client(_translator())
    assert translator.get(f"/admin/kb/article/{article.pk}/translate/de/").status_code == 403
    nobody = make_staff(username="agent")
    assert _client(nobody).get(f"/admin/kb/article/{article.pk}/translate/fr/").status_code == 403
    assert Client().get(f"/admin/kb/article/{article.pk}/translate/fr/").status_code == 302  # to the login
    assert translator.get(f"/admin/kb/article/{article.pk}/translate/xx/").status_code == 404


def test_translator_page_shows_the_source_diff_and_marks_up_to_date():
    article = _article()
    _change_source(article, body="Open the sign-in page.\n\nClick *Reset my password*.")
    client = _client(_translator())
    url = f"/admin/kb/article/{article.pk}/translate/fr/"
    page = client.get(url).content.decode()
    assert "outdated" in page
    assert "diff-removed" in page and "Click *Forgot password*." in page
    assert "diff-added" in page and "Click *Reset my password*." in page
    data = {
        "action": "save",
        "title": "Réinitialiser votre mot de passe",
        "slug": "reinitialiser-mot-de-passe",
        "summary": "Revenez.",
        "body": "Ouvrez la page.\n\nCliquez sur *Réinitialiser*.",
        "questions": "J'ai oublié mon mot de passe",
        "up_to_date": "on",
    }
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.body_fr.endswith("*Réinitialiser*.")
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    assert "diff-removed" not in client.get(url).content.decode()


def test_translator_page_save_for_a_language_the_user_only_reviews_is_refused():
    article = _article()
    reviewer = make_staff(username="reviewer", permissions=(f"kb.{codename('review', 'fr')}",))
    client = _client(reviewer)
    client.post(f"/admin/kb/article/{article.pk}/translate/fr/", {"action": "save", "title": "Piraté"})
    article.refresh_from_db()
    assert article.title_fr == "Réinitialiser votre mot de passe"


def test_only_reviewers_approve_machine_translations():
    article = _article()
    translation_machine_translate(obj=article, language="de")
    url = f"/admin/kb/article/{article.pk}/translate/de/"
    _client(_translator("de")).post(url, {"action": "approve"})
    assert translation_status(obj=article, language="de").state == State.NEEDS_REVIEW
    reviewer = _translator("de", review=True, username="reviewer-de")
    _client(reviewer).post(url, {"action": "approve"})
    record = TranslationRecord.objects.get(article=article, language="de")
    assert (record.machine, record.reviewed_by) == (False, reviewer)
    assert translation_status(obj=article, language="de").state == State.UP_TO_DATE


def test_machine_translation_from_the_translator_page_is_stored_as_needing_review():
    article = _article()
    _client(_translator("ja")).post(f"/admin/kb/article/{article.pk}/translate/ja/", {"action": "machine"})
    article.refresh_from_db()
    assert article.title_ja == "[ja] Reset your password"
    assert translation_status(obj=article, language="ja").state == State.NEEDS_REVIEW


def test_machine_translation_never_overwrites_a_persons_translation():
    article = _article()
    with pytest.raises(WorkflowError, match="made by a person"):
        translation_machine_translate(obj=article, language="fr")
    article.refresh_from_db()
    assert article.title_fr == "Réinitialiser votre mot de passe"
    translation_machine_translate(obj=article, language="de")
    _change_source(article, title="Reset a forgotten password")
    assert (
        translation_machine_translate(obj=article, language="de").state == State.NEEDS_REVIEW
    )  # a machine's may be redone
    article.refresh_from_db()
    assert article.title_de == "[de] Reset a forgotten password"


def test_machine_translation_without_a_configured_service_says_so(settings):
    settings.HELPCENTER_MACHINE_TRANSLATOR = ""
    article = _article()
    with pytest.raises(MachineTranslationUnavailable):
        translation_machine_translate(obj=article, language="de")
    assert translation_status(obj=article, language="de").state == State.MISSING


def test_new_permissions_follow_the_language_settings():
    from django.contrib.auth.models import Permission

    codenames = set(
        Permission.objects.filter(content_type__app_label="kb").values_list("codename", flat=True)
    )
    assert {"translate_fr", "review_fr", "translate_zh_hans", "review_ja"} <= codenames
    assert "translate_en" not in codenames


# --- Exchange files ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_export_import_round_trip_is_lossless(fmt):
    article = _article()
    make_article(
        slug="dns-records",
        translations={
            "en": {"title": "DNS records", "body": 'Line one\n\n  indented <b>&amp;</b> "quotes"\n'}
        },
    )
    _change_source(article, title="Reset a forgotten password")
    before = {
        (r.article_id, r.language): (r.source_revision, r.machine) for r in TranslationRecord.objects.all()
    }
    first = formats.write(translations_export(language="fr"), fmt)
    bundle = formats.read(first, fmt)
    assert bundle == translations_export(language="fr")
    summary = translations_import(bundle=bundle)
    assert summary.updated == []
    assert formats.write(translations_export(language="fr"), fmt) == first
    after = {
        (r.article_id, r.language): (r.source_revision, r.machine) for r in TranslationRecord.objects.all()
    }
    assert after == before  # an unchanged file changes no state


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_imported_translations_are_saved_and_up_to_date(fmt):
    article = _article()
    _change_source(article, title="Reset a forgotten password")
    bundle = translations_export(language="de")
    items = []
    for item in bundle.items:
        if item.key == "reset-password":
            item = formats.Item(
                item.kind,
                item.key,
                item.revision,
                item.state,
                tuple(
                    formats.Unit(
                        u.field,
                        u.source,
                        {"title": "Passwort zurücksetzen", "slug": "passwort"}.get(u.field, ""),
                    )
                    for u in item.units
                ),
            )
        items.append(item)
    data = formats.write(formats.Bundle("en", "de", tuple(items)), fmt)
    summary = translations_import(bundle=formats.read(data, fmt))
    assert summary.updated == ["article:reset-password"]
    article.refresh_from_db()
    assert (article.title_de, article.slug_de) == ("Passwort zurücksetzen", "passwort")
    assert translation_status(obj=article, language="de").state == State.UP_TO_DATE


def test_windows_line_breaks_and_control_characters_round_trip_without_changing_state():
    article = _article()
    Article.objects.filter(pk=article.pk).update(body_fr="Ligne un\r\nLigne deux\x07")
    for fmt in ("xliff", "po"):
        summary = translations_import(
            bundle=formats.read(formats.write(translations_export(language="fr"), fmt), fmt)
        )
        assert summary.updated == []
    article.refresh_from_db()
    assert article.body_fr == "Ligne un\r\nLigne deux\x07"


def test_exported_xliff_carries_source_target_state_and_revision():
    _article()
    data = formats.write(translations_export(language="fr"), "xliff").decode()
    assert 'source-language="en" target-language="fr"' in data
    assert 'hc:revision="1"' in data and 'hc:state="up_to_date"' in data
    assert "<source>Reset your password</source>" in data
    assert '<target state="translated">Réinitialiser votre mot de passe</target>' in data


def _bundle_with(article_key="reset-password", *, language="fr", revision=1, fields=None, kind="article"):
    units = tuple(
        formats.Unit(name, "src", value) for name, value in (fields or {"title": "Nouveau titre"}).items()
    )
    return formats.Bundle("en", language, (formats.Item(kind, article_key, revision, "outdated", units),))


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        (lambda: _bundle_with("no-such-article"), "unknown article 'no-such-article'"),
        (lambda: _bundle_with(language="en"), "is the source language"),
        (lambda: _bundle_with(language="pt"), "'pt' is not a language of this site"),
        (lambda: _bundle_with(revision=0), "made from source revision 0, the source is now at revision 1"),
        (lambda: _bundle_with(fields={"author": "x"}), "unknown field 'author'"),
        (lambda: _bundle_with(fields={"slug": "not a slug!"}), "slug"),
        (lambda: _bundle_with(kind="widget"), "unknown kind"),
        (lambda: formats.Bundle("de", "fr", ()), "translates from 'de'"),
    ],
)
def test_import_errors_are_clear_and_save_nothing(bundle, message):
    article = _article()
    other = make_article(slug="dns-records", translations={"en": {"title": "DNS records"}})
    # A valid item first: it must not be saved when a later one is wrong.
    good = formats.Item("article", "dns-records", 1, "", (formats.Unit("title", "x", "Enregistrements DNS"),))
    given = bundle()
    mixed = formats.Bundle(given.source_language, given.target_language, (good, *given.items))
    with pytest.raises(ImportRejected, match=message.replace("(", r"\(")):
        translations_import(bundle=mixed)
    article.refresh_from_db()
    other.refresh_from_db()
    assert article.title_fr == "Réinitialiser votre mot de passe"
    assert not other.title_fr


def test_stale_source_revision_is_refused_after_the_source_changed():
    article = _article()
    data = formats.write(translations_export(language="fr"), "xliff")
    _change_source(article, title="Reset a forgotten password")
    with pytest.raises(ImportRejected, match="export the file again"):
        translations_import(bundle=formats.read(data, "xliff"))


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"<xliff", "xliff", "not well-formed"),
        (b"<html/>", "xliff", "not an XLIFF 1.2 file"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "xliff", "refused XML"),
        (b"\xff\xfe", "po", "must be UTF-8"),
        (b'msgid "a"\nmsgstr "b"\n', "po", "Language and X-Source-Language"),
    ],
)
def test_malformed_files_are_refused(data, fmt, message):
    with pytest.raises(formats.ExchangeError, match=message):
        formats.read(data, fmt)


def test_import_refuses_a_language_the_translator_does_not_hold():
    _article()
    with pytest.raises(ImportRejected, match="you may not translate into 'de'"):
        translations_import(bundle=_bundle_with(language="de"), user=_translator("fr"))


def test_commands_export_and_import(tmp_path, capsys):
    article = _article()
    path = tmp_path / "fr.po"
    call_command("export_translations", str(path), "--language", "fr", "--format", "po")
    text = path.read_text(encoding="utf-8").replace(
        'msgstr "Réinitialiser votre mot de passe"', 'msgstr "Mot de passe oublié"'
    )
    path.write_text(text, encoding="utf-8")
    call_command("import_translations", str(path))
    article.refresh_from_db()
    assert article.title_fr == "Mot de passe oublié"
    assert "1 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export_translations", "-", "--language", "en"], "'en' is not a translation language"),
        (["export_translations", "-", "--language", "xx"], "'xx' is not a translation language"),
        (["import_translations", "/no/such/file.xlf"], "cannot read"),
    ],
)
def test_command_errors_are_one_line(args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args)


def test_admin_import_shows_errors_and_saves_nothing(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = _article()
    client = _client(_translator())
    bad = formats.write(_bundle_with("missing-article"), "xliff")
    response = client.post(
        "/admin/kb/article/translations/import/", {"file": SimpleUploadedFile("fr.xlf", bad)}
    )
    assert response.status_code == 400
    assert "unknown article" in response.content.decode()
    good = formats.write(_bundle_with(), "po")
    response = client.post(
        "/admin/kb/article/translations/import/", {"file": SimpleUploadedFile("fr.po", good)}, follow=True
    )
    assert "1 updated" in response.content.decode()
    article.refresh_from_db()
    assert article.title_fr == "Nouveau titre"


def test_admin_export_downloads_only_the_translators_languages():
    _article()
    client = _client(_translator())
    response = client.get("/admin/kb/article/translations/export/fr/xliff/")
    assert response.status_code == 200 and b'target-language="fr"' in response.content
    assert "attachment" in response["Content-Disposition"]
    assert client.get("/admin/kb/article/translations/export/de/xliff/").status_code == 404


# --- Dashboard -----------------------------------------------------------------------------------


def test_coverage_counts_and_percentages_per_language():
    _article()
    make_article(slug="dns", translations={"en": {"title": "DNS"}})
    fr = {c.language: c for c in translation_coverage(languages=["fr", "de"])}["fr"]
    # Two articles and their two categories.
    assert fr.total == 4 and fr.counts.get("up_to_date") == 1 and fr.counts.get("missing") == 3
    assert fr.percent("missing") == 75


def test_priorities_follow_what_customers_of_that_language_need():
    category = make_category(slug="general", names={"en": "General", "de": "Allgemein"})
    quiet = make_article(slug="quiet", category=category, translations={"en": {"title": "Quiet"}})
    viewed = make_article(slug="viewed", category=category, translations={"en": {"title": "Viewed"}})
    searched = make_article(slug="searched", category=category, translations={"en": {"title": "Searched"}})
    chatted = make_article(slug="chatted", category=category, translations={"en": {"title": "Chatted"}})
    ArticleViewCount.objects.create(article=viewed, language="de", views=5)
    ArticleViewCount.objects.create(article=quiet, language="fr", views=500)  # another language's demand
    for _ in range(7):
        SearchLog.objects.create(query="x", language="de", results=1, top_article=searched)
    for _ in range(9):
        article_shown_record(article_ids=[chatted.pk], language="de")
    order = [p.obj for p in translation_priorities(language="de")]
    assert order == [chatted, searched, viewed, quiet]


def test_dashboard_page_links_to_the_translator_pages_and_is_per_language():
    article = _article()
    ArticleViewCount.objects.create(article=article, language="de", views=3)
    client = _client(_translator("de"))
    page = client.get("/admin/kb/article/translations/?language=de")
    assert page.status_code == 200
    content = page.content.decode()
    assert f"/admin/kb/article/{article.pk}/translate/de/" in content
    assert "Deutsch" in content and "Français" not in content
    assert client.get("/admin/kb/article/translations/?language=fr").status_code == 404
    assert _client(make_staff(username="agent")).get("/admin/kb/article/translations/").status_code == 403


# --- Public pages --------------------------------------------------------------------------------


def test_outdated_translation_shows_a_notice_with_a_link_to_the_source():
    article = _article()
    _change_source(article, title="Reset a forgotten password")
    content = Client().get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()
    assert "Réinitialiser votre mot de passe" in content
    assert "translation-notice" in content and 'href="/en/articles/reset-password/"' in content


def test_machine_translation_shows_a_notice_until_approved():
    article = _article()
    translation_machine_translate(obj=article, language="de")
    client = Client()
    assert "translation-notice" in client.get("/de/articles/reset-password/").content.decode()
    translation_approve(obj=article, language="de", user=_translator("de", review=True))
    assert "translation-notice" not in client.get("/de/articles/reset-password/").content.decode()


def test_up_to_date_and_missing_translations_show_no_translation_notice():
    _article()
    assert (
        "translation-notice" not in Client().get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()
    )
    page = Client().get("/de/articles/reset-password/").content.decode()
    assert "translation-notice" not in page and "Reset your password" in page  # the source, never empty


def test_import_reads_the_whole_file_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    for i in range(12):
        make_article(slug=f"article-{i}", translations={"en": {"title": f"Article {i}"}})
    bundle = translations_export(language="de")
    with django_assert_max_num_queries(8):  # nothing to save: lookups only, whatever the file's size
        summary = translations_import(bundle=bundle)
    assert summary.updated == [] and summary.unchanged == 24  # 12 articles and their 12 categories
