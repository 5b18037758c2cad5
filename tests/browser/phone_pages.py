"""The public pages the phone and accessibility guards visit, in one place (tests/browser/test_phone.py;
bench/phone.py measures the same pages). A page whose URL name does not resolve yet is left out,
so a page another branch adds (the support hours page) joins the guards by being merged."""

from django.urls import NoReverseMatch, reverse
from django.utils import translation

LANGUAGES = ("en", "fr", "zh-hans", "ja")

# (name, URL name, arguments, query string); articles from the demo help center (load_demo).
PAGES = (
    ("home", "kb:home", {}, ""),
    ("category", "kb:category", {"slug": "getting-started"}, ""),
    ("table", "kb:article", {"slug": "dns-records"}, ""),  # an article with a wide table
    ("code", "kb:article", {"slug": "connect-ssh"}, ""),  # an article with long lines of code
    ("search", "kb:search", {}, "?q=password"),
    ("contact", "support:contact", {}, ""),
    ("chat", "chatbot:chat", {}, ""),
    ("support", "support:hours", {}, ""),  # issue 13's support hours page, once merged
)


def phone_pages(language: str) -> list[tuple[str, str]]:
    """(name, path) of each page in `language` whose URL name resolves."""
    pages = []
    with translation.override(language):
        for name, url_name, kwargs, query in PAGES:
            try:
                pages.append((name, reverse(url_name, kwargs=kwargs) + query))
            except NoReverseMatch:
                continue
    return pages
