from django.contrib import messages
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_POST, require_safe

from core.compression import compressed_public_page
from core.ratelimits import rate_limited

from . import selectors, services
from .conditional import public_page_etag, public_page_last_modified
from .conf import helpcenter_settings
from .forms import FeedbackForm, SearchForm
from .images import CONTENT_TYPES
from .languages import name_in_sentence
from .models import Article, Attachment
from .pagecache import cached_public_page
from .rendering import cached_markdown_to_html
from .translations.rules import State
from .translations.selectors import translation_status


def _language_name(code: str) -> str:
    """A language's name inside a sentence of the page's language ("en anglais", "auf Englisch")."""
    return name_in_sentence(code, get_language())


@compressed_public_page
@require_safe
@condition(etag_func=public_page_etag, last_modified_func=public_page_last_modified)
@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "kb/home.html",
        {
            "categories": selectors.categories_with_counts(),
            "popular": selectors.with_language_marks(
                selectors.popular_articles(limit=helpcenter_settings().popular_articles),
                language=get_language(),
            ),
            "search_form": SearchForm(),
        },
    )


@compressed_public_page
@require_safe
@condition(etag_func=public_page_etag, last_modified_func=public_page_last_modified)
@cached_public_page
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    conf = helpcenter_settings()
    category = selectors.category_by_slug(
        slug=slug, language=get_language(), source_language=conf.source_language
    )
    if category is None:
        raise Http404(_("There is no such category."))
    if category.get_absolute_url() != request.path:
        return redirect(category.get_absolute_url(), permanent=True)
    return render(
        request,
        "kb/category.html",
        {
            "category": category,
            "articles": selectors.with_language_marks(
                selectors.category_articles(category=category), language=get_language()
            ),
        },
    )


def _article_or_404(request: HttpRequest, slug: str) -> Article:
    conf = helpcenter_settings()
    article = selectors.article_by_slug(
        slug=slug,
        language=get_language(),
        source_language=conf.source_language,
        include_drafts=request.user.has_perm("kb.change_article"),
    )
    if article is None:
        raise Http404(_("There is no such article."))
    return article


def _alternates(request: HttpRequest, article: Article, source_language: str) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) for each language the article really has, plus x-default.

    x-default is the address without a language prefix, which redirects each visitor to their own
    language (LocaleMiddleware), as the sitemap says too."""
    links = []
    for code in article.available_languages():
        with translation.override(code):
            links.append((code, request.build_absolute_uri(article.get_absolute_url())))
    with translation.override(source_language):
        unprefixed = article.get_absolute_url().replace(f"/{source_language}/", "/", 1)
    links.append(("x-default", request.build_absolute_uri(unprefixed)))
    return links


def _canonical(request: HttpRequest, article: Article, shown_language: str) -> str:
    with translation.override(shown_language):
        return request.build_absolute_uri(article.get_absolute_url())


def _article_page(
    request: HttpRequest, article: Article, *, feedback_form: FeedbackForm, status: int = 200
) -> HttpResponse:
    conf = helpcenter_settings()
    language = get_language()
    shown_language = language if article.has_translation(language) else conf.source_language
    media = selectors.media_for_text(text=article.body, language=language)
    translation_notice, source_url = "", ""
    if shown_language == language and language != conf.source_language:
        state = translation_status(obj=article, language=language).state
        if state in (State.OUTDATED, State.NEEDS_REVIEW):
            with translation.override(conf.source_language):
                source_url = article.get_absolute_url()
            translation_notice = (
                _(
                    "The original of this article was updated since it was translated; this translation "
                    "may be out of date."
                )
                if state == State.OUTDATED
                else _("This article was translated automatically and has not been reviewed yet.")
            )
    return render(
        request,
        "kb/article.html",
        {
            "article": article,
            "body_html": cached_markdown_to_html(article.body, media),
            "attachments": selectors.article_attachments(media=media, text=article.body),
            "shown_language": shown_language,
            "fallback_notice": (
                _("This article is not yet available in %(language)s; here it is in %(source)s.")
                % {"language": _language_name(language), "source": _language_name(shown_language)}
                if shown_language != language
                else ""
            ),
            "alternates": _alternates(request, article, conf.source_language),
            # A page shown in another language than its address's (German falling back to English)
            # duplicates that page: search engines are sent to it. Real translations are their own.
            "canonical": _canonical(request, article, shown_language),
            "translation_notice": translation_notice,
            "source_url": source_url,
            "source_language": conf.source_language,
            "source_language_name": _language_name(conf.source_language),
            "related": selectors.with_language_marks(
                selectors.related_articles(article=article, limit=conf.related_articles), language=language
            ),
            "feedback_form": feedback_form,
            "voted": request.session.get(f"kb.voted.{article.pk}"),
        },
        status=status,
    )


@compressed_public_page
@require_safe
@condition(etag_func=public_page_etag, last_modified_func=public_page_last_modified)
@cached_public_page
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_or_404(request, slug)
    if article.get_absolute_url() != request.path:
        return redirect(article.get_absolute_url(), permanent=True)
    if article.is_published:
        services.article_view_record(article_id=article.pk, language=get_language())
        # A cached copy of this page counts its views too.
        request.page_cache_after_hit = (
            services.article_view_record,
            {"article_id": article.pk, "language": get_language()},
        )
    return _article_page(request, article, feedback_form=FeedbackForm())


def _visitor_id(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return salted_hmac("kb.feedback.visitor", request.session.session_key, algorithm="sha256").hexdigest()


@require_POST
@rate_limited(lambda: helpcenter_settings().feedback_rate)
def article_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_or_404(request, slug)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _article_page(request, article, feedback_form=form, status=400)
    services.article_feedback_record(
        article=article,
        visitor=_visitor_id(request),
        language=get_language(),
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    request.session[f"kb.voted.{article.pk}"] = form.cleaned_data["helpful"]
    messages.success(request, _("Thank you for your feedback."))
    return HttpResponseRedirect(article.get_absolute_url() + "#feedback")


@compressed_public_page
@require_safe
@rate_limited(lambda: helpcenter_settings().search_rate)
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if request.GET.get("q", "").strip() else None)
    results: list[selectors.SearchResult] = []
    query = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        language = get_language()
        conf = helpcenter_settings()
        results = selectors.article_search(
            query=query,
            language=language,
            limit=conf.search_results,
            min_relative_score=conf.search_min_relative_score,
        )
        services.search_log_record(
            query=query,
            language=language,
            results=len(results),
            top_article_id=results[0].article.pk if results else None,
        )
    return render(
        request,
        "kb/search.html",
        {"search_form": form, "query": query, "results": results},
        status=400 if form.errors else 200,
    )


# A year, and "immutable": every uploaded file has a content-hashed name, so a changed image is a
# new address and a cached copy can never be stale.
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def media_file(request: HttpRequest, name: str) -> HttpResponse:
    """An article image's file from the storage (local MEDIA_ROOT; a production site with an
    S3-compatible store links the store's URLs instead). Only re-encoded images are served here,
    inline; attachments go through `attachment`, which makes browsers download them."""
    parts = name.split("/")
    extension = name.rsplit(".", 1)[-1].lower() if "." in parts[-1] else ""
    if len(parts) != 3 or parts[:2] != ["kb", "images"] or extension not in CONTENT_TYPES or ".." in name:
        raise Http404(_("There is no such file."))
    storage = storages["default"]
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("There is no such file.")) from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[extension])
    response["Cache-Control"] = IMMUTABLE
    response["ETag"] = f'"{parts[-1]}"'
    return response


@require_safe
def attachment(request: HttpRequest, key: str, name: str) -> HttpResponse:
    """An article's attachment, always as a download (Content-Disposition: attachment) with the
    content type checked at upload, so that no uploaded file runs as a page of this site."""
    item = Attachment.objects.filter(key=key).first()
    if item is None:
        raise Http404(_("There is no such file."))
    try:
        handle = storages["default"].open(item.file, "rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("There is no such file.")) from None
    response = FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)
    response["Cache-Control"] = IMMUTABLE
    # Opened directly anyway, the file gets no script, no form and no same-origin rights.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
