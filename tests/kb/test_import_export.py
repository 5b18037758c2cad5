import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kb.models import Article, Category
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SHARED_FAQ = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "django-faq" / "articles.jsonl"


def _line(**overrides) -> str:
    data = {
        "slug": "reset-password",
        "category": "account",
        "translations": {
            "en": {
                "title": "Reset your password",
                "body": "Open **Settings**.",
                "questions": ["forgot password"],
            },
            "fr": {
                "title": "Réinitialiser le mot de passe",
                "body": "Ouvrez **Paramètres**.",
                "questions": [],
            },
        },
    }
    data.update(overrides)
    return json.dumps(data, ensure_ascii=False)


def _write(tmp_path, *lines: str) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_creates_articles_categories_and_translations(tmp_path):
    call_command("import_articles", str(_write(tmp_path, _line())))
    article = Article.objects.get()
    assert (article.slug_en, article.title_fr, article.questions_en, article.status) == (
        "reset-password",
        "Réinitialiser le mot de passe",
        "forgot password",
        "published",
    )
    assert article.category.slug_en == "account" and article.category.name_en == "account"


def test_import_same_slug_again_updates_instead_of_duplicating(tmp_path):
    call_command("import_articles", str(_write(tmp_path, _line())))
    changed = json.loads(_line())
    changed["translations"]["en"]["title"] = "Reset a forgotten password"
    del changed["translations"]["fr"]
    call_command("import_articles", str(_write(tmp_path, json.dumps(changed))))
    article = Article.objects.get()
    # The French translation the new file did not mention is kept.
    assert (article.title_en, article.title_fr) == (
        "Reset a forgotten password",
        "Réinitialiser le mot de passe",
    )


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"slug": "x", "category": ', "articles.jsonl:2: invalid JSON"),
        (
            _line(slug="other", translations={"en": {"title": "A"}, "xx": {"title": "B"}}),
            "articles.jsonl:2: unknown language 'xx'",
        ),
        (
            _line(slug="other", translations={"en": {"body": "no title"}}),
            "articles.jsonl:2: translations.en.title is required",
        ),
        (
            _line(slug="other", translations={"fr": {"title": "Seulement en français"}}),
            "articles.jsonl:2: the source language 'en' translation is missing",
        ),
        (_line(slug="Not A Slug"), "articles.jsonl:2: slug 'Not A Slug' is not a valid slug"),
        (_line(status="archived"), "articles.jsonl:2: status must be one of draft, published"),
        (_line(), "articles.jsonl:2: slug 'reset-password' already appears on line 1"),
        ("[1, 2]", "articles.jsonl:2: each line must be a JSON object"),
    ],
)
def test_import_bad_line_is_reported_with_file_and_line_and_nothing_is_saved(tmp_path, bad_line, reason):
    path = _write(tmp_path, _line(), bad_line)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_articles", str(path))
    assert str(excinfo.value).startswith(str(path.parent / reason))
    assert "nothing was imported" in str(excinfo.value)
    assert not Article.objects.exists()
    assert not Category.objects.exists()


def test_import_reports_every_bad_line(tmp_path, capsys):
    path = _write(tmp_path, "nope", _line(), "{}")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_articles", str(path))
    assert f"{path}:1: invalid JSON" in capsys.readouterr().err
    assert str(excinfo.value).startswith(f"{path}:3: translations must be a non-empty object")


def test_import_missing_or_non_utf8_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_articles", str(tmp_path / "missing.jsonl"))
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"slug": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8 text"):
        call_command("import_articles", str(latin1))


def test_export_then_import_round_trips_without_loss(tmp_path):
    source = [
        {
            "slug": "a-first",
            "category": "account",
            "status": "published",
            "order": 3,
            "translations": {
                "en": {
                    "title": "First",
                    "body": "Body **md**\n\n- x",
                    "questions": ["q one", "q two"],
                    "summary": "Short.",
                },
                "zh-hans": {"title": "第一", "body": "正文", "questions": ["问题"], "slug": "di-yi"},
            },
        },
        {
            "slug": "b-draft",
            "category": "billing",
            "status": "draft",
            "translations": {"en": {"title": "Draft", "body": "", "questions": []}},
        },
    ]
    original = _write(tmp_path, *(json.dumps(item, ensure_ascii=False) for item in source))
    call_command("import_articles", str(original))
    exported = tmp_path / "export.jsonl"
    call_command("export_articles", str(exported))
    assert [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()] == source

    # And the export imports back to the same export.
    Article.objects.all().delete()
    call_command("import_articles", str(exported))
    again = tmp_path / "again.jsonl"
    call_command("export_articles", str(again))
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


def test_export_one_language_only(tmp_path):
    make_article(slug="a", translations={"en": {"title": "A"}, "fr": {"title": "A fr"}})
    make_article(slug="b", translations={"en": {"title": "B"}})
    out = tmp_path / "fr.jsonl"
    call_command("export_articles", str(out), language="fr")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(item["slug"], list(item["translations"])) for item in lines] == [("a", ["fr"])]


def test_export_unknown_language_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="unknown language 'xx'"):
        call_command("export_articles", str(tmp_path / "x.jsonl"), language="xx")


@pytest.mark.skipif(not SHARED_FAQ.exists(), reason="../shared/eval is not beside this checkout")
def test_import_django_faq_renders_its_restructuredtext(tmp_path, client):
    call_command("import_articles", str(SHARED_FAQ))
    assert Article.objects.count() == 56
    article = Article.objects.get(slug_en="admin-00")
    content = client.get(f"/fr/articles/{article.slug_en}/").content.decode()
    assert "<code>SESSION_COOKIE_DOMAIN</code>" in content
    assert ":setting:" not in content


def test_import_skips_real_languages_the_site_does_not_offer_and_says_so(tmp_path, capsys):
    line = _line(translations={"en": {"title": "Hello"}, "pt-br": {"title": "Olá"}})
    path = _write(tmp_path, line)
    call_command("import_articles", str(path))
    assert f"{path}: skipped 1 translations in 'pt-br'" in capsys.readouterr().err
    assert Article.objects.get().title_en == "Hello"
