import pytest

from kb.models import ArticleStatus
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_sitemap_lists_articles_with_alternates_for_real_translations(client):
    make_article(
        slug="reset-password",
        translations={"en": {"title": "Reset"}, "fr": {"title": "Réinitialiser", "slug": "reinitialiser"}},
        category=None,
    )
    make_article(slug="secret", status=ArticleStatus.DRAFT)
    content = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/en/articles/reset-password/</loc>" in content
    assert "<loc>http://testserver/fr/articles/reinitialiser/</loc>" in content
    assert (
        '<xhtml:link rel="alternate" hreflang="fr" href="http://testserver/fr/articles/reinitialiser/"/>'
        in content
    )
    assert (
        '<xhtml:link rel="alternate" hreflang="x-default" href="http://testserver/articles/reset-password/"/>'
        in content
    )
    assert "/de/articles/reset-password/" not in content
    assert "secret" not in content
