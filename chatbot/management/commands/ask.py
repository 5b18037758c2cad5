import json as jsonlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from chatbot.answering import ReplyKind, respond
from chatbot.conf import chat_bot
from core.languages import is_site_language, site_languages
from kb.indexes import answer_engine, engines_warm
from kb.models import Article
from support.instants import parse_instant
from support.selectors import routing_assignment


class Command(BaseCommand):
    help = (
        "Show what the chatbot would reply to a message (the chat API's own decision), with its confidence."
    )

    def add_arguments(self, parser):
        parser.add_argument("text")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE)
        parser.add_argument("--at", help="ISO-8601 instant for the escalation routing (default: now).")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, text: str, language: str, at: str | None, json: bool = False, **options):
        if not is_site_language(language):
            raise CommandError(
                f"unknown language {language!r} (this site has: {', '.join(site_languages())})"
            )
        try:
            now = parse_instant(at)
        except ValueError as exc:
            raise CommandError(f"--at {exc}") from None
        # The language's full engine, as the site's customers get it once the server has started
        # (it builds every engine then): with background rebuilds on (the development and production
        # settings), a cold process would otherwise answer with the words-only stand-in.
        engines_warm([language])
        turn = respond(chat_bot(), text, language=language)
        if turn.language != language:  # the message was in another site language
            engines_warm([turn.language])
            turn = respond(chat_bot(), text, language=language)
        answer, suggest = answer_engine(turn.language).thresholds
        titles = {}
        with translation.override(turn.language):
            for article in Article.objects.filter(pk__in=[item.id for item in turn.ranked]):
                titles[article.pk] = (article.slug, article.title)
        shown = {item.id for item in turn.articles}
        result = {
            "language": turn.language,
            "decision": turn.kind.value,
            "reason": turn.reason.value if turn.reason else None,
            "offer_person": turn.offer_person,
            "asks_for_person": round(turn.person, 3),
            "provisional": turn.provisional,
            "thresholds": {"answer": round(answer, 3), "suggest": round(suggest, 3)},
            "articles": [
                {
                    "slug": titles[item.id][0],
                    "title": titles[item.id][1],
                    "score": item.score,
                    "confidence": item.confidence,
                    "shown": item.id in shown,
                }
                for item in turn.ranked
                if item.id in titles
            ],
        }
        if turn.kind in (ReplyKind.CANNOT_HELP, ReplyKind.OFFER_PERSON):
            found = routing_assignment(language=turn.language, at=now)
            if found:
                region, assignment = found
                result["escalation"] = {
                    "region": region.code,
                    "opens_at": assignment.opens_at.isoformat(),
                    "open_now": assignment.open_now,
                    "covers_language": assignment.covers_language,
                }
        if json:
            self.stdout.write(jsonlib.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"decision: {result['decision']}"
            + (f" ({result['reason']})" if result["reason"] else "")
            + (" + offer of a person" if turn.offer_person else "")
            + f"   [answer at >= {answer:.0%}, suggest at >= {suggest:.0%}; asks for a person: "
            f"{turn.person:.0%}]"
        )
        for item in result["articles"]:
            mark = "*" if item["shown"] else " "
            self.stdout.write(
                f" {mark} {item['confidence']:6.1%}  {item['score']:.3f}  {item['slug']}: {item['title']}"
            )
        if "escalation" in result:
            esc = result["escalation"]
            when = "now" if esc["open_now"] else esc["opens_at"]
            self.stdout.write(f"escalation: {esc['region']} ({when})")
