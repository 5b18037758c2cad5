import pytest
from django.contrib.auth import authenticate as _authenticate
from django.core.management import call_command
from django.test import RequestFactory

from kb.models import Article, ArticleStatus, Category

pytestmark = pytest.mark.django_db


def authenticate(**credentials):
    # django-axes checks every sign-in against its lockouts, so it needs the request.
    return _authenticate(RequestFactory().post("/admin/login/"), **credentials)


def test_load_demo_builds_a_multilingual_help_center_and_is_idempotent(capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Editor account: editor / nimbus-editor" in out
    articles = list(Article.objects.all())
    assert len(articles) >= 15
    assert Category.objects.count() >= 4
    for article in articles:
        assert {"en", "fr", "zh-hans"} <= set(article.available_languages()), article.slug_en
        assert article.question_list("fr") and article.question_list("zh-hans"), article.slug_en
    assert any(set(article.available_languages()) >= {"es", "de", "ja"} for article in articles)
    assert any(not article.has_translation("de") for article in articles)
    assert Article.objects.filter(status=ArticleStatus.DRAFT).exists()
    editor = authenticate(username="editor", password="nimbus-editor")
    assert editor is not None and editor.is_staff and editor.has_perm("kb.change_article")
    from support.models import Region

    assert list(Region.objects.values_list("code", "timezone")) == [
        ("AMER", "America/Denver"),
        ("EMEA", "Europe/Dublin"),
        ("APAC", "Asia/Singapore"),
    ]
    agent = authenticate(username="agent-emea", password="nimbus-agent")
    assert agent is not None and agent.has_perm("support.change_ticket")
    assert "Agent accounts: agent-amer, agent-emea, agent-apac / nimbus-agent" in out
    from mail.models import Mailbox

    assert list(Mailbox.objects.values_list("address", "language", "category__slug_en")) == [
        ("facturation@nimbus.example", "fr", "account-billing"),
        ("support@nimbus.example", "", None),
    ]
    translator = authenticate(username="translator-fr", password="nimbus-translator")
    assert translator.has_perm("kb.translate_fr") and translator.has_perm("kb.review_fr")
    assert not translator.has_perm("kb.translate_de") and not translator.has_perm("kb.change_article")
    # Running it again changed no source text: one revision per article.
    from kb.models import SourceRevision

    assert SourceRevision.objects.filter(article__isnull=False).count() == len(articles)


def test_demo_site_pages_render_in_every_language(client):
    call_command("load_demo")
    article = Article.objects.published().first()
    for code in ("en", "fr", "zh-hans", "es", "de", "ja"):
        assert client.get(f"/{code}/").status_code == 200
        assert client.get(f"/{code}/articles/{article.slug_en}/", follow=True).status_code == 200
        assert client.get(f"/{code}/categories/{article.category.slug_en}/", follow=True).status_code == 200
