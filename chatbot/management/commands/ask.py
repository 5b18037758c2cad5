import json as jsonlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from chatbot.conf import chat_thresholds
from chatbot.policy import Kind, decide
from kb.indexes import answer_engine
from kb.models import Article
from support.management.commands.regions import parse_instant
from support.selectors import routing_assignment


class Command(BaseCommand):
    help = "Show what the chatbot would reply to a message, with scores and the decision."

    def add_arguments(self, parser):
        parser.add_argument("text")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE)
        parser.add_argument("--at", help="ISO-8601 instant for the escalation routing (default: now).")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, text: str, language: str, at: str | None, json: bool = False, **options):
        if language not in dict(settings.LANGUAGES):
            raise CommandError(f"unknown language {language!r} (this site has: {', '.join(dict(settings.LANGUAGES))})")
        now = parse_instant(at)
        ranked = answer_engine(language).rank(text, limit=5)
        decision = decide(ranked, chat_thresholds())
        titles = {}
        with translation.override(language):
            for article in Article.objects.filter(pk__in=[item.id for item in ranked]):
                titles[article.pk] = (article.slug, article.title)
        result = {
            "language": language,
            "decision": decision.kind.value,
            "reason": decision.reason.value if decision.reason else None,
            "articles": [
                {"slug": titles[item.id][0], "title": titles[item.id][1], "score": item.score,
                 "confidence": item.confidence, "shown": item in decision.articles}
                for item in ranked if item.id in titles
            ],
        }
        if decision.kind == Kind.CANNOT_HELP:
            found = routing_assignment(language=language, at=now)
            if found:
                region, assignment = found
                result["escalation"] = {
                    "region": region.code, "opens_at": assignment.opens_at.isoformat(),
                    "open_now": assignment.open_now, "covers_language": assignment.covers_language,
                }
        if json:
            self.stdout.write(jsonlib.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(f"decision: {result['decision']}" + (f" ({result['reason']})" if result["reason"] else ""))
        for item in result["articles"]:
            mark = "*" if item["shown"] else " "
            self.stdout.write(f" {mark} {item['confidence']:.3f}  {item['score']:.3f}  {item['slug']}: {item['title']}")
        if "escalation" in result:
            esc = result["escalation"]
            when = "now" if esc["open_now"] else esc["opens_at"]
            self.stdout.write(f"escalation: {esc['region']} ({when})")
