import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.models import ArticleStatus, ArticleViewCount
from tests.factories import make_article, make_category, make_staff

pytestmark = pytest.mark.django_db

FR_AND_EN = {
    "en": {"title": "Reset your password", "body": "Open **Settings**.", "slug": "reset-password"},
    "fr": {
        "title": "Réinitialiser votre mot de passe",
        "body": "Ouvrez **Paramètres**.",
        "slug": "reinitialiser-mot-de-passe",
    },
}


def test_home_lists_categories_and_popular_articles(client):
    category = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    make_article(category=category, translations={"en": {"title": "Update your card"}})
    response = client.get("/fr/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Facturation" in content
    assert "Update your card" in content
    assert '<html lang="fr">' in content


def test_root_redirects_to_the_visitors_language(client):
    response = client.get("/", headers={"accept-language": "zh-Hans,zh;q=0.9"})
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/"


def test_article_in_french_shows_french_text_without_notice(client):
    article = make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.get("/fr/articles/reinitialiser-mot-de-passe/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Réinitialiser votre mot de passe" in content
    assert "<strong>Paramètres</strong>" in content
    assert "pas encore disponible" not in content
    assert response.context["article"] == article


def test_article_missing_translation_falls_back_to_source_with_notice(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.get("/de/articles/reset-password/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Reset your password" in content
    assert "<strong>Settings</strong>" in content
    assert "Dieser Artikel ist noch nicht auf Deutsch verfügbar; hier ist er auf Englisch." in content
    assert '<article class="article" lang="en">' in content


def test_article_source_slug_in_another_language_redirects_to_its_own_slug(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.get("/fr/articles/reset-password/")
    assert response.status_code == 301
    assert response["Location"] == "/fr/articles/reinitialiser-mot-de-passe/"


def test_article_hreflang_lists_only_real_translations_and_x_default(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.get("/en/articles/reset-password/")
    assert response.context["alternates"] == [
        ("en", "http://testserver/en/articles/reset-password/"),
        ("fr", "http://testserver/fr/articles/reinitialiser-mot-de-passe/"),
        ("x-default", "http://testserver/articles/reset-password/"),
    ]
    assert (
        '<link rel="alternate" hreflang="fr" href="http://testserver/fr/articles/reinitialiser-mot-de-passe/">'
        in response.content.decode()
    )


def test_article_x_default_address_redirects_to_the_visitors_language(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.get("/articles/reset-password/", headers={"accept-language": "fr"}, follow=True)
    assert response.redirect_chain == [
        ("/fr/articles/reset-password/", 302),
        ("/fr/articles/reinitialiser-mot-de-passe/", 301),
    ]


def test_language_switcher_keeps_the_visitor_on_the_same_article(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.get("/en/articles/reset-password/")
    urls = {lang["code"]: lang["url"] for lang in response.context["site_languages"]}
    assert urls["ja"] == "/ja/articles/reset-password/"
    # The French link lands on the French slug through one redirect.
    followed = client.get(urls["fr"], follow=True)
    assert followed.redirect_chain == [("/fr/articles/reinitialiser-mot-de-passe/", 301)]
    assert "Réinitialiser votre mot de passe" in followed.content.decode()


def test_category_page_lists_its_published_articles_only(client):
    category = make_category(slug="security", names={"en": "Security", "fr": "Sécurité"})
    make_article(category=category, translations={"en": {"title": "Two-factor authentication"}})
    make_article(
        category=category, translations={"en": {"title": "Secret draft"}}, status=ArticleStatus.DRAFT
    )
    response = client.get("/fr/categories/security/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Sécurité" in content and "Two-factor authentication" in content
    assert "Secret draft" not in content


def test_draft_article_is_404_for_customers_and_previewable_by_editors(client):
    make_article(
        slug="upcoming", translations={"en": {"title": "Upcoming feature"}}, status=ArticleStatus.DRAFT
    )
    assert client.get("/en/articles/upcoming/").status_code == 404
    client.force_login(make_staff(permissions=("kb.change_article",)))
    response = client.get("/ja/articles/upcoming/")
    assert response.status_code == 200
    assert "下書きのプレビュー" in response.content.decode()
    assert not ArticleViewCount.objects.exists()


def test_article_views_are_counted_per_language(client):
    article = make_article(slug="reset-password", translations=FR_AND_EN)
    client.get("/fr/articles/reinitialiser-mot-de-passe/")
    client.get("/fr/articles/reinitialiser-mot-de-passe/")
    client.get("/zh-hans/articles/reset-password/")
    counts = dict(ArticleViewCount.objects.filter(article=article).values_list("language", "views"))
    assert counts == {"fr": 2, "zh-hans": 1}


def test_unknown_article_gives_translated_404(client):
    response = client.get("/fr/articles/does-not-exist/")
    assert response.status_code == 404
    assert "Nous n’avons pas trouvé cette page" in response.content.decode()


def test_server_error_page_is_translated(client, settings):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.kb.urls_boom"
    response = Client(raise_request_exception=False).get("/zh-hans/boom/")
    assert response.status_code == 500
    assert "我们这边出了点问题" in response.content.decode()


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["home", "category", "search"])
def test_list_pages_issue_the_same_queries_for_one_or_three_items(client, settings, page):
    # The content version is read again once its 1 s memo expires: whether the counted request
    # falls inside it would depend on how long the first search took to build its engine.
    settings.HELPCENTER_CONTENT_VERSION_TTL = 3600

    def url_for(category):
        return {
            "home": "/en/",
            "category": f"/en/categories/{category.slug}/",
            "search": "/en/search/?q=widget",
        }[page]

    one = make_category(slug="one")
    make_article(category=one, translations={"en": {"title": "Widget one"}})
    _query_count(client, url_for(one))  # warm the search index and session machinery
    single = _query_count(client, url_for(one))

    three = make_category(slug="three")
    for n in range(3):
        make_article(category=three, translations={"en": {"title": f"Widget number {n}"}})
    _query_count(client, url_for(three))
    assert _query_count(client, url_for(three)) == single


@pytest.mark.parametrize("url", ["/fr/", "/fr/articles/reinitialiser-mot-de-passe/", "/fr/search/?q=mot"])
def test_public_pages_answer_head_requests(client, url):
    # Monitors, crawlers and link checkers ask with HEAD; it must not be a 405.
    make_article(slug="reset-password", translations=FR_AND_EN)
    response = client.head(url)
    assert response.status_code == 200 and response.content == b""


def test_fallback_page_is_canonical_to_the_source_page_and_shares_its_hreflang_set(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    content = client.get("/de/articles/reset-password/").content.decode()
    # German shows the English text: the English page is the one to index, and the German address
    # lists the same alternates as the English page (which include that page itself), not itself.
    assert '<link rel="canonical" href="http://testserver/en/articles/reset-password/">' in content
    english = "http://testserver/en/articles/reset-password/"
    assert f'<link rel="alternate" hreflang="en" href="{english}">' in content
    assert 'hreflang="de"' not in content.split("</head>")[0]


def test_translated_page_is_its_own_canonical_and_in_its_own_hreflang_set(client):
    make_article(slug="reset-password", translations=FR_AND_EN)
    content = client.get("/fr/articles/reinitialiser-mot-de-passe/").content.decode()
    own = "http://testserver/fr/articles/reinitialiser-mot-de-passe/"
    assert f'<link rel="canonical" href="{own}">' in content
    assert f'<link rel="alternate" hreflang="fr" href="{own}">' in content


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("fr", "Cet article n’est pas encore disponible en français ; le voici en anglais."),
        ("es", "en español"),
        ("zh-hans", "英语"),
        ("ja", "英語"),
    ],
)
def test_fallback_notice_names_languages_in_the_readers_language(client, language, sentence):
    make_article(slug="dns", translations={"en": {"title": "DNS records", "slug": "dns"}})
    content = client.get(f"/{language}/articles/dns/").content.decode()
    assert sentence in content
    assert "English" not in content.split('<p class="notice" role="note">')[1].split("</p>")[0]


def test_lists_mark_articles_not_translated_yet(client):
    category = make_category(slug="billing", names={"en": "Billing", "ja": "請求"})
    make_article(category=category, translations={"en": {"title": "Update your card"}})
    make_article(category=category, translations={"en": {"title": "Invoices"}, "ja": {"title": "請求書"}})
    content = client.get("/ja/categories/billing/").content.decode()
    marked = '<span class="pill language-notice">英語の記事</span>'
    assert f'lang="en" hreflang="en">Update your card</a> {marked}' in content
    assert ">請求書</a>" in content
    assert '>請求書</a> <span class="pill language-notice">' not in content


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
