"""Plain builders for test data: what you pass is what you get, saved the way the application saves
it (kb.services.content_save records the source revision and the translations written with it)."""

from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from modeltranslation.utils import build_localized_fieldname

from kb.models import Article, ArticleStatus, Category
from kb.services import content_save

_sequence = count(1)


def make_category(
    *, slug: str | None = None, names: dict[str, str] | None = None, order: int = 0
) -> Category:
    slug = slug or f"category-{next(_sequence)}"
    category = Category(slug_en=slug, order=order)
    for language, name in (names or {"en": slug.replace("-", " ").title()}).items():
        setattr(category, build_localized_fieldname("name", language), name)
    content_save(obj=category)
    return category


def make_article(
    *,
    slug: str | None = None,
    category: Category | None = None,
    translations: dict[str, dict] | None = None,
    status: str = ArticleStatus.PUBLISHED,
    order: int = 0,
) -> Article:
    """`translations` maps a language to title/summary/body/questions(list)/slug."""
    slug = slug or f"article-{next(_sequence)}"
    article = Article(category=category or make_category(), status=status, order=order, slug_en=slug)
    translations = translations or {"en": {"title": slug.replace("-", " ").capitalize()}}
    for language, fields in translations.items():
        for field, value in fields.items():
            if field == "questions":
                value = "\n".join(value)
            setattr(article, build_localized_fieldname(field, language), value)
    content_save(obj=article)
    return article


def make_staff(*, username: str = "editor", permissions: tuple[str, ...] = ()):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-123", is_staff=True)
    for codename in permissions:
        app_label, code = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=code))
    return user
