"""Language-aware normalisation and tokenisation, with offsets back into the original text."""

import re
import unicodedata
from functools import lru_cache

from .stopwords import STOP_WORDS

CJK_LANGUAGES = ("zh", "ja", "ko")
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)*", re.UNICODE)
_CJK_RE = re.compile(rf"[{_CJK}]")
_ELISION_RE = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


def base_language(language: str) -> str:
    return language.lower().split("-")[0].split("_")[0]


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case and accent folding: "Élan" -> "elan", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem_en(w: str) -> str:
    if len(w) <= 3:
        return w
    for suffix, repl, min_len in (
        ("ies", "y", 4),
        ("sses", "ss", 4),
        ("ing", "", 5),
        ("ed", "", 4),
        ("ly", "", 5),
        ("es", "", 4),
        ("s", "", 3),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= min_len - len(repl) and not w.endswith("ss"):
            stem = w[: len(w) - len(suffix)] + repl
            if suffix in ("ing", "ed") and len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            return stem
    return w


def _stem_romance(w: str) -> str:
    # French and Spanish: plural and a few frequent endings; conservative on purpose.
    if len(w) <= 4:
        return w
    for suffix in (
        "ements",
        "ement",
        "ations",
        "ation",
        "iones",
        "ion",
        "euses",
        "euse",
        "eux",
        "aux",
        "es",
        "s",
        "e",
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)] + ("al" if suffix == "aux" else "")
    return w


def _stem_de(w: str) -> str:
    if len(w) <= 4:
        return w
    for suffix in ("ungen", "ung", "en", "er", "es", "e", "n", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w


_STEMMERS = {"en": _stem_en, "fr": _stem_romance, "es": _stem_romance, "pt": _stem_romance, "de": _stem_de}


@lru_cache(maxsize=131072)
def normalise_word(word: str, language: str) -> str:
    """One Latin-script word to its index term."""
    base = base_language(language)
    if base in ("fr", "it"):
        word = _ELISION_RE.sub("", word)
    w = fold(word).replace("’", "").replace("'", "")
    stemmer = _STEMMERS.get(base)
    return stemmer(w) if stemmer else w


def is_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def tokens_with_offsets(
    text: str, language: str, *, keep_stop_words: bool = True
) -> list[tuple[str, int, int]]:
    """(term, start, end) for each index term in `text`. CJK runs give unigrams and bigrams."""
    out: list[tuple[str, int, int]] = []
    stop = STOP_WORDS.get(base_language(language), frozenset())
    text = unicodedata.normalize("NFKC", text)
    matches = list(_TOKEN_RE.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        raw = m.group(0)
        if _CJK_RE.match(raw):
            # Join CJK runs separated only by spaces: "重置 密码" and "重置密码" must index alike.
            chars: list[tuple[str, int]] = [(ch, m.start() + k) for k, ch in enumerate(raw)]
            while (
                i + 1 < len(matches)
                and _CJK_RE.match(matches[i + 1].group(0))
                and not text[matches[i].end() : matches[i + 1].start()].strip()
            ):
                i += 1
                nxt = matches[i]
                chars.extend((ch, nxt.start() + k) for k, ch in enumerate(nxt.group(0)))
            for k, (ch, pos) in enumerate(chars):
                out.append((ch, pos, pos + 1))
                if k + 1 < len(chars):
                    out.append((ch + chars[k + 1][0], pos, chars[k + 1][1] + 1))
        else:
            folded = fold(raw)
            if keep_stop_words or folded not in stop:
                term = normalise_word(raw, language)
                if term:
                    out.append((term, m.start(), m.end()))
        i += 1
    return out


def tokenize(text: str, language: str) -> list[str]:
    """Normalised index terms of `text`."""
    return [term for term, _s, _e in tokens_with_offsets(text, language)]


def query_terms(text: str, language: str) -> list[tuple[str, str]]:
    """(index term, folded surface word) of each query word; stop words dropped unless nothing else
    is left. The surface form is what typo correction compares, so a stem never matches a stop word."""
    text = unicodedata.normalize("NFKC", text)
    without = tokens_with_offsets(text, language, keep_stop_words=False)
    tokens = without or tokens_with_offsets(text, language)
    return [(term, fold(text[start:end])) for term, start, end in tokens]


def surface_words(text: str, language: str) -> dict[str, str]:
    """Folded surface word -> index term for the Latin-script, non-stop words of `text`."""
    stop = STOP_WORDS.get(base_language(language), frozenset())
    words: dict[str, str] = {}
    for match in _TOKEN_RE.finditer(unicodedata.normalize("NFKC", text)):
        raw = match.group(0)
        if _CJK_RE.match(raw):
            continue
        folded = fold(raw)
        if folded not in stop and folded not in words:
            words[folded] = normalise_word(raw, language)
    return words
