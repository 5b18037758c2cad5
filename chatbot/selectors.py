"""Reads for editors: what customers asked that the help center could not answer."""

from dataclasses import dataclass
from datetime import datetime

from core.languages import site_languages, source_language
from core.privacy import ERASED_TEXT
from kb.models import Article, SearchLog

from .gaps import Gap, group_questions
from .kinds import ReplyKind
from .models import Message, PhrasingProposal, ProposalStatus, Role
from .proposals import Candidate, Group, group_phrasings

UNANSWERED = (ReplyKind.CANNOT_HELP, ReplyKind.SUGGESTIONS)


def content_gaps(*, language: str, since: datetime, limit: int = 500) -> list[Gap]:
    """Failed searches and chat questions the bot could not answer (or only guessed at), grouped."""
    searches = SearchLog.objects.filter(language=language, results=0, created_at__gte=since).values_list(
        "query", flat=True
    )[:limit]
    # Erased customer data (core.privacy) is nobody's question.
    items = [(query, "search") for query in searches if query != ERASED_TEXT]
    replies = list(
        Message.objects.filter(
            role=Role.BOT, decision__in=UNANSWERED, language=language, created_at__gte=since
        )
        .order_by("-created_at")
        .values_list("id", "conversation_id", "decision")[:limit]
    )
    # The question a reply answered is the customer message just before it: one query for all.
    asked: dict = {}
    customer_messages = (
        Message.objects.filter(conversation_id__in={conversation for _id, conversation, _d in replies})
        .order_by("conversation_id", "created_at", "id")
        .values_list("id", "conversation_id", "role", "text")
    )
    last_question = {}
    for message_id, conversation, role, text in customer_messages:
        if role == Role.CUSTOMER:
            last_question[conversation] = text
        else:
            asked[message_id] = last_question.get(conversation)
    for reply_id, _conversation, decision in replies:
        if asked.get(reply_id) and asked[reply_id] != ERASED_TEXT:
            source = "chat" if decision == ReplyKind.CANNOT_HELP else "chat-low-confidence"
            items.append((asked[reply_id], source))
    return group_questions(items, language)


def confidence_rows() -> list[dict]:
    """Per site language, the calibration report of its answer engine (built if it is not yet)."""
    from django.utils.translation import get_language_info

    from kb.indexes import answer_engine

    rows = []
    for code in site_languages():
        engine = answer_engine(code)
        report = engine.calibration.report
        share = (lambda n, total=report.questions: 100.0 * n / total) if report.questions else (lambda n: 0.0)
        answer, suggest = engine.thresholds
        rows.append(
            {
                "code": code,
                "name": get_language_info(code)["name_translated"],
                "report": report,
                "answered_right": share(report.answered_right),
                "answered_wrong": share(report.answered_wrong),
                "suggested": share(report.suggested),
                "refused": share(report.refused),
                "offtopic_refused": 100.0 * report.offtopic_refused / report.offtopic
                if report.offtopic
                else 0.0,
                "answer_at": round(100 * min(answer, 1.0)),
                "suggest_at": round(100 * min(suggest, 1.0)),
            }
        )
    return rows


@dataclass(frozen=True)
class ArticlePhrasings:
    """The pending "customers also ask" proposals of one article in one language, grouped."""

    article: Article
    title: str
    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)


def phrasing_proposal_groups(*, language: str, article_id: int | None = None) -> list[ArticlePhrasings]:
    """Per article, the pending proposals in `language` grouped by near-duplicates (those that say
    what a sample question of the article already says are left out), the most asked first."""
    pending = PhrasingProposal.objects.filter(status=ProposalStatus.PENDING, language=language)
    if article_id is not None:
        pending = pending.filter(article_id=article_id)
    by_article: dict[int, list[Candidate]] = {}
    for pk, article, text, source in pending.order_by("asked_at", "id").values_list(
        "id", "article_id", "text", "source"
    ):
        by_article.setdefault(article, []).append(Candidate(pk, text, source))
    articles = Article.objects.in_bulk(list(by_article))
    result = []
    for pk, candidates in by_article.items():
        article = articles.get(pk)
        if article is None:
            continue
        groups, _redundant = group_phrasings(candidates, language, known=article.question_list(language))
        if groups:
            title = article.field_in(language, "title") or article.field_in(source_language(), "title")
            result.append(ArticlePhrasings(article, title, groups))
    result.sort(key=lambda item: (-item.count, item.title))
    return result
