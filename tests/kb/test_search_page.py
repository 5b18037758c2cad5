import pytest

from kb.models import ArticleStatus, SearchLog
from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    account = make_category(slug="account", names={"en": "Account", "fr": "Compte", "zh-hans": "账户"})
    billing = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation", "zh-hans": "账单"})
    make_article(
        slug="reset-password",
        category=account,
        translations={
            "en": {
                "title": "Reset your password",
                "body": "Open the sign-in page and choose **Forgot password**.",
                "questions": ["I forgot my password", "can't log in"],
            },
            "fr": {
                "title": "Réinitialiser votre mot de passe",
                "body": "Sur la page de connexion, choisissez **Mot de passe oublié**.",
                "questions": ["j'ai oublié mon mot de passe"],
            },
            "zh-hans": {
                "title": "重置密码",
                "body": "在登录页面点击“忘记密码”，然后按照邮件中的链接重置密码。",
                "questions": ["忘记密码了怎么办"],
            },
        },
    )
    make_article(
        slug="update-card",
        category=billing,
        translations={
            "en": {
                "title": "Update your payment card",
                "body": "Go to **Billing › Payment methods**.",
                "questions": ["change my credit card"],
            },
            "fr": {
                "title": "Mettre à jour votre carte de paiement",
                "body": "Allez dans **Facturation › Moyens de paiement**.",
            },
            "zh-hans": {"title": "更新付款银行卡", "body": "前往“账单 › 付款方式”更换信用卡。"},
        },
    )
    make_article(
        slug="english-only",
        category=billing,
        translations={
            "en": {"title": "Understanding invoices", "body": "Your invoice lists every instance hour."}
        },
    )
    make_article(
        slug="hidden-draft",
        translations={"en": {"title": "Password secrets draft"}},
        status=ArticleStatus.DRAFT,
    )


def _titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [result.article.title for result in response.context["results"]]


def test_search_english_with_typo_finds_the_article(client, articles):
    assert _titles(client, "/en/search/?q=pasword+resett")[0] == "Reset your password"


def test_search_french_with_typo_and_missing_accents_finds_the_article(client, articles):
    assert _titles(client, "/fr/search/?q=mot+de+pase+oublie")[0] == "Réinitialiser votre mot de passe"
    assert _titles(client, "/fr/search/?q=cartte+de+paiment")[0] == "Mettre à jour votre carte de paiement"


def test_search_chinese_without_spaces_and_with_a_typo_finds_the_article(client, articles):
    assert _titles(client, "/zh-hans/search/?q=忘记密码")[0] == "重置密码"
    assert _titles(client, "/zh-hans/search/?q=重至密码")[0] == "重置密码"
    assert _titles(client, "/zh-hans/search/?q=信用卡")[0] == "更新付款银行卡"


def test_search_in_a_language_finds_articles_not_yet_translated_into_it(client, articles):
    assert "Understanding invoices" in _titles(client, "/fr/search/?q=invoice")


def test_search_never_shows_drafts(client, articles):
    assert "Password secrets draft" not in _titles(client, "/en/search/?q=password+secrets")


def test_search_results_show_snippet_with_escaped_highlights_and_category(client, articles):
    content = client.get("/en/search/?q=forgot").content.decode()
    assert "<mark>Forgot</mark>" in content
    assert "Account" in content
    make_article(
        slug="xss",
        translations={
            "en": {"title": "Script tags", "body": "Never paste `<script>alert(1)</script>` into a page."}
        },
    )
    content = client.get("/en/search/?q=script").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;" in content


def test_search_query_is_escaped_in_the_page(client, articles):
    content = client.get('/en/search/?q="><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)</script>" not in content


def test_search_is_logged_with_language_and_result_count(client, articles):
    client.get("/fr/search/?q=mot+de+passe")
    client.get("/fr/search/?q=zzzzqqq")
    logged = list(SearchLog.objects.order_by("id").values_list("query", "language", "results"))
    assert logged[1] == ("zzzzqqq", "fr", 0)
    assert logged[0][:2] == ("mot de passe", "fr") and logged[0][2] >= 1


def test_search_without_results_says_so(client, articles):
    content = client.get("/en/search/?q=zzzzqqq").content.decode()
    assert "We couldn't find an article about that." in content


def test_search_empty_query_shows_the_form_without_logging(client, articles):
    assert client.get("/en/search/").status_code == 200
    assert client.get("/en/search/?q=+++").status_code == 200
    assert not SearchLog.objects.exists()


def test_search_too_long_query_is_a_400_with_message(client, articles):
    response = client.get("/en/search/?q=" + "a" * 201)
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters" in response.content.decode()


def test_search_sees_a_newly_published_article_immediately(client, articles):
    assert _titles(client, "/en/search/?q=kubernetes") == []
    make_article(slug="k8s", translations={"en": {"title": "Kubernetes clusters"}})
    assert _titles(client, "/en/search/?q=kubernetes") == ["Kubernetes clusters"]
