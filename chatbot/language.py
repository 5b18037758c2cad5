"""Offline language hints for short chat messages: which site language a message is clearly in.
Pure Python, no models to download."""

from __future__ import annotations

import re
import unicodedata

from kb.search.stopwords import STOP_WORDS

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_HEBREW = re.compile(r"[\u0590-\u05ff]")
_GREEK = re.compile(r"[\u0370-\u03ff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Languages by script; the Latin ones are told apart by their function words.
OTHER_SCRIPTS = (
    ("ko", _HANGUL),
    ("ru", _CYRILLIC),
    ("ar", _ARABIC),
    ("he", _HEBREW),
    ("el", _GREEK),
    ("th", _THAI),
)
# Frequent words of Latin-script languages the site may not offer, so they are not mistaken for one it does.
EXTRA_FUNCTION_WORDS = {
    "pt": frozenset(
        "o a os as um uma de do da dos das e em no na nos por para com não que se meu minha você eu está "
        "obrigado olá".split()
    ),
    "it": frozenset(
        "il lo la gli le un una di del della e in con per non che mi mio mia sono è ciao grazie come".split()
    ),
    "nl": frozenset("de het een en van in op met voor niet is ik mijn je jij wat hoe hallo bedankt".split()),
}
LATIN = {**STOP_WORDS, **EXTRA_FUNCTION_WORDS}


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def detect(text: str) -> str | None:
    """The language `text` is clearly written in (a base code like "fr", "zh-hans", "ja"), or None
    when it is too short or too mixed to tell."""
    if _KANA.search(text):
        return "ja"
    for code, pattern in OTHER_SCRIPTS:
        if len(pattern.findall(text)) >= 2:
            return code
    if len(_HAN.findall(text)) >= 2:
        return "zh-hans"
    words = [_fold(w) for w in _WORD.findall(text)]
    if len(words) < 3:
        return None
    scores = {code: sum(w in vocabulary for w in words) for code, vocabulary in LATIN.items()}
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, best_hits), (_second, second_hits) = ranked[0], ranked[1]
    # Clearly: at least two function words, and more than any other language has.
    if best_hits >= 2 and best_hits > second_hits:
        return best
    return None


# Markup is not what a customer says: an HTML tag with its attributes, and the contents of a script
# or style element, are left out before a message is searched.
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)


def without_markup(text: str) -> str:
    """`text` without HTML tags and script or style contents (what is left to search)."""
    if "<" not in text:
        return text
    return " ".join(_TAG.sub(" ", _SCRIPT.sub(" ", text)).split())
