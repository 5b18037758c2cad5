import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chatbot.answering import Bot, ReplyKind, respond
from chatbot.conf import act_detector_for, chat_settings, person_detector_for
from core.languages import site_languages, source_language
from kb.embeddings import sentence_encoder
from kb.exchange import ImportFileError
from kb.indexes import engine_build
from kb.rendering import markdown_to_text
from kb.search import Document
from kb.search.encoders import EncoderUnavailable, FileStore


def load_documents(path: Path, languages=()) -> dict[str, list[Document]]:
    """Documents per language from an article file, without touching the database. Drafts are left
    out, as on the site. For each of `languages` (besides those in the file), an article missing in a
    language stands in it in the source language, as the site shows it."""
    articles: list[tuple[str, str, dict]] = []
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
            if article.get("status", "published") != "published":
                continue
            translations = {
                language: Document(
                    id=article["slug"],
                    title=tr["title"],
                    questions=tuple(tr.get("questions", [])),
                    summary=tr.get("summary", ""),
                    body=markdown_to_text(tr.get("body", "")),
                    category=article.get("category", ""),
                )
                for language, tr in article["translations"].items()
            }
            articles.append((article["slug"], article.get("category", ""), translations))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            errors.append(f"{path}:{number}: not an article line ({type(exc).__name__}: {exc})")
    if errors:
        raise CommandError(str(ImportFileError(errors)))
    source = source_language()
    wanted = list(dict.fromkeys([code for _s, _c, tr in articles for code in tr] + list(languages)))
    by_language: dict[str, list[Document]] = {}
    for language in wanted:
        for _slug, _category, translations in articles:
            if language in translations:
                by_language.setdefault(language, []).append(translations[language])
            elif source in translations:
                by_language.setdefault(language, []).append(replace(translations[source], language=source))
    return by_language


def engines_for(documents: dict[str, list[Document]], encoder) -> dict:
    source = source_language()
    sources = [replace(doc, language=source) for doc in documents.get(source, [])]
    return {
        language: engine_build(docs, language, sources, encoder=encoder)
        for language, docs in documents.items()
    }


def offline_encoder(cache_file: str | None):
    """The site's sentence encoder, its vectors kept in `cache_file` (or in memory only), never in
    the database: measuring touches no site data."""
    # The encoder is kb's setting: the site's engines use the same one, and in the site's process
    # (tests, a shell) its model and memory of texts are shared instead of loaded and embedded again.
    site = sentence_encoder()
    if site is None:
        return None
    return site.with_store(FileStore(cache_file) if cache_file else None)


OUTCOMES = ("answered_right", "suggested_right", "suggested_wrong", "answered_wrong", "refused")


class Command(BaseCommand):
    help = (
        "Measure the chatbot (the same engine and decision as the chat API) on an article file and "
        "a query file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", required=True)
        parser.add_argument("--queries", required=True)
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--show", action="store_true", help="Print every query that was not answered right."
        )
        parser.add_argument(
            "--embedding-cache", help="A file that keeps the article and query embeddings between runs."
        )

    def handle(
        self,
        *args,
        articles: str,
        queries: str,
        json: bool = False,
        show: bool = False,
        embedding_cache=None,
        **options,
    ):
        import json as jsonlib

        try:
            rows = [
                jsonlib.loads(line)
                for line in Path(queries).read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
        except (OSError, UnicodeDecodeError, jsonlib.JSONDecodeError) as exc:
            raise CommandError(f"{queries}: cannot read queries ({exc})") from None
        site = site_languages()
        asked = {row.get("language") for row in rows} & set(site)
        documents = load_documents(Path(articles), asked)
        if not documents:
            raise CommandError(f"{articles}: no published articles")
        try:
            encoder = offline_encoder(embedding_cache)
        except EncoderUnavailable as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        engines = engines_for(documents, encoder)
        build_seconds = time.perf_counter() - started
        first = next(iter(engines.values()))
        bot = Bot(
            engine_for=lambda language: engines.get(language, first),
            person_probability=person_detector_for(encoder).probability,
            act_probabilities=act_detector_for(encoder).probabilities,
            site_languages=site,
            max_suggestions=chat_settings().max_suggestions,
        )
        top1 = top3 = answered = answerable = unanswerable = escalated = 0
        latencies = []
        outcomes: dict[str, dict[str, int]] = {}
        for row in rows:
            language = row.get("language") if row.get("language") in engines else next(iter(engines))
            started = time.perf_counter()
            turn = respond(bot, row["text"], language=language)
            latencies.append((time.perf_counter() - started) * 1000)
            ids = [item.id for item in turn.ranked]
            shown = [item.id for item in turn.articles]
            expected = row.get("expected")
            group = "off-topic" if not expected else row.get("language", "")
            if expected:
                answerable += 1
                top1 += bool(ids) and ids[0] == expected
                top3 += expected in ids[:3]
                answered += bool(shown) and turn.kind != ReplyKind.OFFER_PERSON and shown[0] == expected
            else:
                unanswerable += 1
                escalated += not shown
            outcome = _outcome(turn, expected)
            counts = outcomes.setdefault(group, dict.fromkeys(OUTCOMES, 0))
            counts[outcome] += 1
            if show and outcome != "answered_right" and not (expected is None and outcome == "refused"):
                self.stdout.write(
                    f"{outcome:16} {row.get('id', '')} {turn.kind} {ids[:3]} expected={expected}: "
                    f"{row['text'][:90]}"
                )
        latencies.sort()
        metrics = {
            "queries": len(rows),
            "top1": round(top1 / answerable, 4) if answerable else None,
            "top3": round(top3 / answerable, 4) if answerable else None,
            "in_scope_accuracy": round(answered / answerable, 4) if answerable else None,
            "oos_recall": round(escalated / unanswerable, 4) if unanswerable else None,
            "p50_ms": round(statistics.median(latencies), 3) if latencies else None,
            "p95_ms": round(latencies[int(len(latencies) * 0.95)], 3) if latencies else None,
            "index_build_s": round(build_seconds, 3),
            "thresholds": {
                language: [round(t, 4) for t in engine.thresholds] for language, engine in engines.items()
            },
            "outcomes": outcomes,
        }
        if json:
            self.stdout.write(jsonlib.dumps(metrics, ensure_ascii=False))
            return
        for key, value in metrics.items():
            if key != "outcomes":
                self.stdout.write(f"{key:18} {value}")
        self.stdout.write(f"{'':10} " + " ".join(f"{name:>15}" for name in OUTCOMES))
        for group, counts in outcomes.items():
            self.stdout.write(f"{group:10} " + " ".join(f"{counts[name]:15}" for name in OUTCOMES))


def _outcome(turn, expected) -> str:
    shown = [item.id for item in turn.articles]
    if turn.kind == ReplyKind.ANSWER:
        return "answered_right" if expected and shown[0] == expected else "answered_wrong"
    if turn.kind == ReplyKind.SUGGESTIONS:
        return "suggested_right" if expected in shown else "suggested_wrong"
    return "refused"
