import json
import statistics
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chatbot.conf import chat_thresholds
from chatbot.policy import Kind, decide
from kb.exchange import ImportFileError
from kb.search import AnswerEngine, Document
from kb.rendering import markdown_to_text


def load_documents(path: Path) -> dict[str, list[Document]]:
    """Documents per language from an article file, without touching the database."""
    by_language: dict[str, list[Document]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read ({exc})") from None
    errors = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            article = json.loads(line)
            for language, tr in article["translations"].items():
                by_language.setdefault(language, []).append(
                    Document(
                        id=article["slug"],
                        title=tr["title"],
                        questions=tuple(tr.get("questions", [])),
                        summary=tr.get("summary", ""),
                        body=markdown_to_text(tr.get("body", "")),
                        category=article.get("category", ""),
                    )
                )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            errors.append(f"{path}:{number}: not an article line ({type(exc).__name__}: {exc})")
    if errors:
        raise CommandError(str(ImportFileError(errors)))
    return by_language


class Command(BaseCommand):
    help = "Measure the production engine and answering policy on an article file and a query file."

    def add_arguments(self, parser):
        parser.add_argument("--articles", required=True)
        parser.add_argument("--queries", required=True)
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, articles: str, queries: str, json: bool = False, **options):
        import json as jsonlib

        documents = load_documents(Path(articles))
        try:
            rows = [jsonlib.loads(line) for line in Path(queries).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError, jsonlib.JSONDecodeError) as exc:
            raise CommandError(f"{queries}: cannot read queries ({exc})") from None
        started = time.perf_counter()
        engines = {language: AnswerEngine.build(docs, language) for language, docs in documents.items()}
        build_seconds = time.perf_counter() - started
        thresholds = chat_thresholds()
        top1 = top3 = answered_right = answerable = unanswerable = escalated = 0
        latencies = []
        for row in rows:
            engine = engines.get(row.get("language")) or next(iter(engines.values()))
            started = time.perf_counter()
            ranked = engine.rank(row["text"], limit=5)
            decision = decide(ranked, thresholds)
            latencies.append((time.perf_counter() - started) * 1000)
            ids = [item.id for item in ranked]
            if row.get("expected"):
                answerable += 1
                top1 += bool(ids) and ids[0] == row["expected"]
                top3 += row["expected"] in ids[:3]
                answered_right += decision.kind != Kind.CANNOT_HELP and decision.articles[0].id == row["expected"]
            else:
                unanswerable += 1
                escalated += decision.kind == Kind.CANNOT_HELP
        latencies.sort()
        metrics = {
            "queries": len(rows),
            "top1": round(top1 / answerable, 4) if answerable else None,
            "top3": round(top3 / answerable, 4) if answerable else None,
            "in_scope_accuracy": round(answered_right / answerable, 4) if answerable else None,
            "oos_recall": round(escalated / unanswerable, 4) if unanswerable else None,
            "p50_ms": round(statistics.median(latencies), 3) if latencies else None,
            "p95_ms": round(latencies[int(len(latencies) * 0.95)], 3) if latencies else None,
            "index_build_s": round(build_seconds, 3),
        }
        if json:
            self.stdout.write(jsonlib.dumps(metrics))
        else:
            for key, value in metrics.items():
                self.stdout.write(f"{key:18} {value}")
