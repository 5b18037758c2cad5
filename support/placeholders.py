"""Placeholders in saved replies: which exist, checking a text for unknown ones, filling them in.

Pure Python (no Django): the caller gives the values. A placeholder is `{name}` or `{name:argument}`
with a lower-case name; any other brace is plain text. The filled text is plain text (a reply body
is e-mailed as text and shown escaped), so values are inserted as they are and escaped wherever the
text is rendered as HTML.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PLACEHOLDER_RE = re.compile(r"\{([a-z][a-z_]*)(?::([^{}\s]*))?\}")

# name -> whether it takes an argument
SIMPLE = ("customer_name", "ticket_reference", "agent_name")
WITH_ARGUMENT = ("article",)


@dataclass(frozen=True)
class Problem:
    placeholder: str  # as written, e.g. "{custmer_name}"
    reason: str  # "unknown", "needs_argument", "no_argument", "unknown_article"


def problems(
    text: str, *, known_articles: Callable[[Iterable[str]], set[str]] | None = None
) -> list[Problem]:
    """What is wrong with the placeholders of `text`, in order of appearance.

    `known_articles(slugs)` returns the slugs that name an existing article; without it article
    slugs are not checked."""
    found: list[Problem] = []
    slugs: dict[str, str] = {}
    for match in PLACEHOLDER_RE.finditer(text):
        name, argument = match.group(1), match.group(2)
        written = match.group(0)
        if name in SIMPLE:
            if argument is not None:
                found.append(Problem(written, "no_argument"))
        elif name in WITH_ARGUMENT:
            if not argument:
                found.append(Problem(written, "needs_argument"))
            else:
                slugs.setdefault(argument, written)
        else:
            found.append(Problem(written, "unknown"))
    if slugs and known_articles is not None:
        known = known_articles(slugs)
        found += [Problem(written, "unknown_article") for slug, written in slugs.items() if slug not in known]
    return found


def article_slugs(text: str) -> set[str]:
    return {m.group(2) for m in PLACEHOLDER_RE.finditer(text) if m.group(1) == "article" and m.group(2)}


def fill(text: str, values: dict[str, str], article_urls: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value; an empty value also takes the space
    before it ("Hello {customer_name}," -> "Hello,"). Unknown placeholders are left as written, so an
    agent sees them in the textarea instead of a silently dropped word."""

    def replace(match: re.Match) -> str:
        name, argument = match.group(1), match.group(2)
        if name in SIMPLE and argument is None:
            return values.get(name, "")
        if name == "article" and argument:
            return article_urls.get(argument, match.group(0))
        return match.group(0)

    # An empty value eats one preceding space, so a greeting without a name still reads well.
    def replace_with_space(match: re.Match) -> str:
        inner = PLACEHOLDER_RE.match(match.group(0).lstrip(" "))
        value = replace(inner)
        return value if not value else " " + value

    text = re.sub(r" (?=\{)" + PLACEHOLDER_RE.pattern, replace_with_space, text)
    return PLACEHOLDER_RE.sub(replace, text)
