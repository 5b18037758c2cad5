"""Reads for editors: what customers asked that the help center could not answer."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from core.languages import site_languages, source_language
from core.privacy import ERASED_TEXT
from kb.models import Article, SearchLog

from .gaps import Gap, group_questions
from .kinds import ReplyKind
from .models import Conversation, Message, PhrasingProposal, ProposalStatus, Role
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


# A conversation the bot answered counts as resolved by the bot when nobody was asked to take it
# over within this long after the bot's first answer.
RESOLVED_AFTER = timedelta(hours=24)


@dataclass
class WeekFigures:
    """What the bot did in one language and ISO week (conversations by the week they started)."""

    language: str
    week: date  # the Monday (UTC) the week starts on
    conversations: int = 0  # with at least one customer message
    answered: int = 0  # the bot answered at least once with confidence
    helpful: int = 0  # the customer said "yes, that helped" at least once
    handed_over: int = 0  # handed to a person (a ticket made from the conversation)
    resolved: int = 0  # answered, and not handed to a person within RESOLVED_AFTER of the answer
    undecided: int = 0  # answered less than RESOLVED_AFTER ago and not handed over yet
    trend: float | None = None  # resolution rate's change from the week before, in points

    @property
    def resolution_rate(self) -> float | None:
        """Resolved among the conversations whose outcome is known, in percent."""
        known = self.conversations - self.undecided
        return 100.0 * self.resolved / known if known else None


def _monday(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def bot_resolution_report(*, weeks: int, now: datetime, languages=None) -> list[WeekFigures]:
    """Per site language and ISO week (the last `weeks`, this one included, newest first): the
    conversations, how many the bot answered, were confirmed helpful, were handed to a person, and
    were resolved by the bot (RESOLVED_AFTER), with each week's trend against the week before.
    Two queries, whatever the number of conversations."""
    languages = list(languages or site_languages())
    first_week = _monday(now) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first_week - timedelta(weeks=1), datetime.min.time(), tzinfo=UTC)
    conversations = {
        pk: (language, started, ended, ticket)
        for pk, language, started, ended, ticket in Conversation.objects.filter(
            started_at__gte=since, language__in=languages
        ).values_list("pk", "language", "started_at", "ended_at", "ticket_id")
    }
    asked: set = set()
    first_answer: dict = {}
    helpful: set = set()
    for conversation, role, decision, was_helpful, created in (
        Message.objects.filter(conversation_id__in=list(conversations))
        .order_by("created_at", "id")
        .values_list("conversation_id", "role", "decision", "helpful", "created_at")
    ):
        if role == Role.CUSTOMER:
            asked.add(conversation)
        elif decision == ReplyKind.ANSWER and conversation not in first_answer:
            first_answer[conversation] = created
        if was_helpful:
            helpful.add(conversation)
    figures: dict[tuple[str, date], WeekFigures] = {}
    for pk, (language, started, ended, ticket) in conversations.items():
        if pk not in asked:
            continue
        key = (language, _monday(started))
        row = figures.setdefault(key, WeekFigures(language, key[1]))
        row.conversations += 1
        handed_at = ended if ticket is not None else None
        row.handed_over += handed_at is not None
        row.helpful += pk in helpful
        answered_at = first_answer.get(pk)
        if answered_at is None:
            continue
        row.answered += 1
        if handed_at is not None and handed_at <= answered_at + RESOLVED_AFTER:
            continue
        if now < answered_at + RESOLVED_AFTER and handed_at is None:
            row.undecided += 1
        else:
            row.resolved += 1
    rows = []
    for language in languages:
        before = first_week - timedelta(weeks=1)
        previous = figures.get((language, before), WeekFigures(language, before))
        for n in range(weeks):
            week = first_week + timedelta(weeks=n)
            row = figures.get((language, week), WeekFigures(language, week))
            if row.resolution_rate is not None and previous.resolution_rate is not None:
                row.trend = row.resolution_rate - previous.resolution_rate
            rows.append(row)
            previous = row
    rows.sort(key=lambda row: (languages.index(row.language), -row.week.toordinal()))
    return rows
