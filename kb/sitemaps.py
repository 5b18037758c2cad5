from django.conf import settings
from django.contrib.sitemaps import Sitemap

from .models import Article, Category


class ArticleSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().select_related("category").order_by("id")

    def lastmod(self, article: Article):
        return article.updated_at

    def get_languages_for_item(self, article: Article) -> list[str]:
        # Only the languages the article is really written in; the others would show fallback text.
        return article.available_languages()


class CategorySitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self):
        return Category.objects.order_by("id")

    def lastmod(self, category: Category):
        return category.updated_at

    def get_languages_for_item(self, category: Category) -> list[str]:
        return [code for code, _name in settings.LANGUAGES if category.field_in(code, "name")]


sitemaps = {"articles": ArticleSitemap, "categories": CategorySitemap}
