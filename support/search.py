"""The agents' ticket search: an inverted index in two tables, the same on SQLite and PostgreSQL.

`TicketSearchTerm` holds (term, ticket, weight) for the reference, requester name and address,
subject and every message and internal note of a ticket (terms from support/searchterms.py);
`TicketSearchVariant` maps each term's one-letter deletions to it, for typos. The ticket services
call `tickets_index` inside their transaction, so the index is always what the tickets say.

A query is one SQL statement over the postings of its words' terms, grouped per ticket: every word
must be found (in one of its terms), the score is the sum of the words' weights, the filters join
the ticket row. When no ticket has every word, tickets with some of them are listed instead.
Measured at 100,000 tickets by bench/ticket_search.py."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import add

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Q, When
from django.utils.safestring import SafeString

from core.languages import site_languages
from kb.rendering import highlight_html

from . import searchterms
from .models import MessageKind, Ticket, TicketMessage, TicketSearchTerm, TicketSearchVariant

MAX_ALTERNATIVES = 12  # terms one typo'd word may stand for
SHOWN_FIELDS = (
    "reference",
    "requester_name",
    "requester_email",
    "subject",
    "language",
    "status",
    "created_at",
    "region__code",
)
CANDIDATES = 2000
MAX_WORDS = (
    4  # words of a long query that are matched (its rarest)  # tickets scored per query (see _candidates)
)


def ticket_parts(ticket: Ticket, messages: Iterable[str]) -> list[tuple[str, int]]:
    """(text, weight) of everything a ticket is found by."""
    return [
        (ticket.reference, searchterms.WEIGHT_REQUESTER),
        (ticket.requester_name, searchterms.WEIGHT_REQUESTER),
        (ticket.requester_email, searchterms.WEIGHT_REQUESTER),
        (ticket.subject, searchterms.WEIGHT_SUBJECT),
        *((body, searchterms.WEIGHT_MESSAGE) for body in messages),
    ]


def variants_rows(terms: Iterable[str]) -> list[TicketSearchVariant]:
    """Variant rows for the typo-eligible `terms` (the caller skips terms already known)."""
    return [
        TicketSearchVariant(variant=variant, term=term)
        for term in terms
        if searchterms.typo_eligible(term)
        for variant in searchterms.deletions(term)
    ]


@transaction.atomic
def tickets_index(*, ticket_ids: Iterable[int]) -> int:
    """(Re)write the search terms of these tickets from what they hold now; returns the rows written."""
    ids = list(ticket_ids)
    tickets = Ticket.objects.filter(pk__in=ids)
    bodies: dict[int, list[str]] = {pk: [] for pk in ids}
    for ticket_id, body in TicketMessage.objects.filter(ticket_id__in=ids).values_list("ticket_id", "body"):
        bodies[ticket_id].append(body)
    rows = []
    for ticket in tickets:
        terms = searchterms.document_terms(ticket_parts(ticket, bodies[ticket.pk]), ticket.language)
        rows += [TicketSearchTerm(ticket_id=ticket.pk, term=term, weight=w) for term, w in terms.items()]
    TicketSearchTerm.objects.filter(ticket_id__in=ids).delete()
    TicketSearchTerm.objects.bulk_create(rows, batch_size=1000)
    new_terms = {row.term for row in rows if searchterms.typo_eligible(row.term)}
    known = set(
        TicketSearchVariant.objects.filter(variant__in=new_terms, term=F("variant")).values_list(
            "term", flat=True
        )
    )
    TicketSearchVariant.objects.bulk_create(
        variants_rows(new_terms - known), batch_size=1000, ignore_conflicts=True
    )
    return len(rows)


def _typo_terms(words: list[searchterms.QueryWord]) -> list[set[str]]:
    """For each word, the indexed terms one edit away from one of its stems (not the stems
    themselves); one query for the whole query."""
    stems = [
        [stem for stem in word.terms if searchterms.typo_eligible(stem)] if word.fuzzy else []
        for word in words
    ]
    probes = set().union(*(searchterms.deletions(stem) for group in stems for stem in group))
    if not probes:
        return [set() for _word in words]
    candidates = set(
        TicketSearchVariant.objects.filter(variant__in=sorted(probes)).values_list("term", flat=True)
    )
    found = []
    for word, group in zip(words, stems, strict=True):
        close = {c for c in candidates if any(searchterms.within_one_edit(stem, c) for stem in group)}
        found.append(set(sorted(close - word.terms, key=lambda c: (len(c), c))[:MAX_ALTERNATIVES]))
    return found


@dataclass(frozen=True)
class Filters:
    region_id: int | None = None
    status: str = ""
    language: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class Hit:
    ticket: Ticket
    score: int
    snippet_html: SafeString | str = ""
    snippet_kind: str = ""  # "subject", or a MessageKind
    all_words: bool = True
    terms: set[str] = field(default_factory=set)


def _conditions(filters: Filters) -> Q:
    conditions = Q()
    if filters.region_id:
        conditions &= Q(ticket__region_id=filters.region_id)
    if filters.status:
        conditions &= Q(ticket__status=filters.status)
    if filters.language:
        conditions &= Q(ticket__language=filters.language)
    if filters.since:
        conditions &= Q(ticket__created_at__gte=filters.since)
    if filters.until:
        conditions &= Q(ticket__created_at__lt=filters.until)
    return conditions


def _candidates(terms: set[str], conditions: Q):
    """A subquery: the tickets where these terms weigh most (newest first among equals), at most
    CANDIDATES of them. Scoring is done on these only, so a query costs the same at 10,000 tickets
    as at 1,000,000; a word found in more tickets than that ranks its newest, strongest ones."""
    return (
        TicketSearchTerm.objects.filter(Q(term__in=sorted(terms)) & conditions)
        .order_by("-weight", "-ticket_id")
        .values("ticket_id")[:CANDIDATES]
    )


def _postings(words, typos, filters: Filters, *, require_all: bool, limit: int):
    alternatives = [set(word.terms) | typo for word, typo in zip(words, typos, strict=True)]
    every = set().union(*alternatives)
    conditions = _conditions(filters)
    counts = dict(
        TicketSearchTerm.objects.filter(term__in=every)
        .values("term")
        .annotate(n=Count("*"))
        .values_list("term", "n")
    )
    frequency = [sum(counts.get(term, 0) for term in terms) for terms in alternatives]
    if len(words) > MAX_WORDS:
        # A long query (a pasted sentence) is matched on its rarest words: they say the most, and
        # every other word would only add rows to scan.
        keep = sorted(sorted(range(len(words)), key=lambda i: (frequency[i] == 0, frequency[i]))[:MAX_WORDS])
        words, typos = [words[i] for i in keep], [typos[i] for i in keep]
        alternatives, frequency = [alternatives[i] for i in keep], [frequency[i] for i in keep]
        every = set().union(*alternatives)
    if require_all:
        if not all(frequency):
            return []
        # Every word must be there: the tickets of the rarest one are the only candidates.
        rarest = min(range(len(words)), key=frequency.__getitem__)
        candidates = Q(ticket_id__in=_candidates(alternatives[rarest], conditions))
    else:
        candidates = Q()
        for terms, n in zip(alternatives, frequency, strict=True):
            if n:
                candidates |= Q(ticket_id__in=_candidates(terms, conditions))
        if not candidates:
            return []
    postings = TicketSearchTerm.objects.filter(Q(term__in=sorted(every)) & candidates)
    # A word found as typed counts twice as much as one found through a typo; a rare word counts
    # more than a common one (inverse document frequency, in whole steps to stay in SQL integers).
    total = max(frequency, default=1)
    per_word = {
        f"w{i}": Max(
            Case(
                When(term__in=sorted(word.terms), then=F("weight") * 2 * _idf(frequency[i], total)),
                *(
                    [When(term__in=sorted(typo), then=F("weight") * _idf(frequency[i], total))]
                    if typo
                    else []
                ),
                default=0,
                output_field=IntegerField(),
            )
        )
        for i, (word, typo) in enumerate(zip(words, typos, strict=True))
    }
    rows = postings.values("ticket_id").annotate(**per_word)
    if require_all:
        rows = rows.filter(**{f"w{i}__gt": 0 for i in range(len(words))})
    score = reduce(add, (F(name) for name in per_word))
    return list(
        rows.annotate(score=score).order_by("-score", "-ticket_id").values_list("ticket_id", "score")[:limit]
    )


def _idf(frequency: int, most: int) -> int:
    """1 for the most frequent word of the query, up to 8 for one a hundred times rarer."""
    return 1 + max(0, min(7, int(math.log2(max(1, most) / max(1, frequency)))))


def ticket_search(*, query: str, filters: Filters | None = None, limit: int = 30) -> list[Hit]:
    """Tickets matching every word of `query` (typos forgiven, Chinese and Japanese found inside
    sentences), best first, with a highlighted snippet; HTML-escaped. Empty query: no results."""
    filters = filters or Filters()
    words = searchterms.query_words(query, site_languages())
    if not words:
        return []
    typos = _typo_terms(words)
    ranked = _postings(words, typos, filters, require_all=True, limit=limit)
    all_words = True
    if not ranked and len(words) > 1:
        ranked, all_words = _postings(words, typos, filters, require_all=False, limit=limit), False
    alternatives = [set(word.terms) | typo for word, typo in zip(words, typos, strict=True)]
    tickets = (
        Ticket.objects.select_related("region").only(*SHOWN_FIELDS).in_bulk([pk for pk, _score in ranked])
    )
    hits = [
        Hit(ticket=tickets[pk], score=score, all_words=all_words, terms=set().union(*alternatives))
        for pk, score in ranked
        if pk in tickets
    ]
    _add_snippets(hits)
    return hits


def _add_snippets(hits: list[Hit]) -> None:
    """The subject or the message of each hit with the most matched words, highlighted and escaped."""
    messages: dict[int, list[tuple[str, str]]] = {}
    for ticket_id, kind, body in TicketMessage.objects.filter(
        ticket_id__in=[hit.ticket.pk for hit in hits]
    ).values_list("ticket_id", "kind", "body"):
        messages.setdefault(ticket_id, []).append((kind, body))
    for hit in hits:
        best = None
        # The subject is shown anyway: a message is the better snippet when one matches.
        for kind, text in [*messages.get(hit.ticket.pk, []), ("subject", hit.ticket.subject)]:
            if not searchterms.may_contain(text, hit.terms):
                continue
            marks = searchterms.spans(text, hit.ticket.language, hit.terms)
            if marks and (best is None or (len(marks) > len(best[2]) and kind != "subject")):
                best = (kind, text, marks)
        if best is None:  # found by its reference, name or address
            first = next(
                (body for kind, body in messages.get(hit.ticket.pk, []) if kind == MessageKind.CUSTOMER), ""
            )
            best = ("customer", first, [])
        kind, text, marks = best
        text, marks = searchterms.snippet(text, marks)
        hit.snippet_html = highlight_html(text, tuple(marks))
        hit.snippet_kind = kind
