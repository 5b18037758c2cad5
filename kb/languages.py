"""Language names as they are written inside a sentence of another language."""

from django.utils import translation
from django.utils.translation import get_language_info, gettext, pgettext

# Languages that write language names in lower case mid-sentence ("en anglais", "en inglés");
# Django's catalogs give them capitalised, as in a menu.
LOWER_CASE_NAMES = frozenset({"fr", "es", "it", "pt", "ca", "ro", "pl", "sv", "da", "nb"})


def name_in_sentence(code: str, reader_language: str) -> str:
    """The name of language `code` as `reader_language` writes it inside a sentence: "anglais" in
    French, "Englisch" in German, "英語" in Japanese (never "English" in every language)."""
    with translation.override(reader_language):
        name = str(get_language_info(code)["name_translated"])
    if reader_language.split("-")[0] in LOWER_CASE_NAMES:
        name = name[:1].lower() + name[1:]
    return name


def written_in_notice(article_language: str, page_language: str) -> str:
    """ "In English", "En anglais", "英语版": what a card or result says of an article shown in another
    language than the page's, in the page's language."""
    name = name_in_sentence(article_language, page_language)
    with translation.override(page_language):
        return gettext("In %(language)s") % {"language": name}


def names_list(codes, reader_language: str) -> str:
    """Language names joined as a list is written in `reader_language`: "English, French and
    German", "anglais, français et allemand", "英语、法语和德语", "英語、フランス語、ドイツ語"."""
    names = [name_in_sentence(code, reader_language) for code in codes]
    with translation.override(reader_language):
        # Translators: what separates the items of a list ("A, B and C"): the comma and its space.
        comma = pgettext("list", ", ")
        # Translators: what comes before the last item of a list ("A, B and C"), spaces included.
        last = pgettext("list, before the last item", " and ")
    if len(names) < 2:
        return "".join(names)
    return comma.join(names[:-1]) + last + names[-1]
