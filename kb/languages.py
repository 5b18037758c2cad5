"""Language names as they are written inside a sentence of another language."""

from django.utils import translation
from django.utils.translation import get_language_info, gettext

# Languages that write language names in lower case mid-sentence ("en anglais", "en inglés");
# Django's catalogs give them capitalised, as in a menu.
LOWER_CASE_NAMES = frozenset({"fr", "es", "it", "pt", "ca", "ro", "pl", "sv", "da", "nb"})


def written_in_notice(article_language: str, page_language: str) -> str:
    """ "In English", "En anglais", "英语版": what a card or result says of an article shown in another
    language than the page's, in the page's language."""
    with translation.override(page_language):
        name = get_language_info(article_language)["name_translated"]
        if page_language.split("-")[0] in LOWER_CASE_NAMES:
            name = name[:1].lower() + name[1:]
        return gettext("In %(language)s") % {"language": name}
