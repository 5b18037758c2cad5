"""The agents' ticket search at scale: p50 / p95 per kind of query, on the database DATABASE_URL names.

Run (a fresh database; the fill takes a few minutes at 100,000 tickets):

    DATABASE_URL=sqlite:////tmp/tickets-bench.sqlite3 .venv/bin/python bench/ticket_search.py 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h16a .venv/bin/python bench/ticket_search.py 100000

It migrates the database, fills it with N tickets of 5 messages each (customer messages drawn from
the shared eval sets in English and Chinese, with French, German, Spanish and Japanese ones built
from phrases; agents' replies and internal notes), computes the search terms with the same
functions the ticket services use (support.search.ticket_parts, support.searchterms) and writes
them with bulk inserts. A database that already holds tickets is searched as it is (`--fill` is
skipped), so the queries can be measured again without refilling. Each query is timed through
support.search.ticket_search, snippets and highlighting included, as the search page runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")
os.environ.setdefault("HELPCENTER_ENCODER", "none")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from support import searchterms  # noqa: E402
from support.models import (  # noqa: E402
    MessageKind,
    Region,
    Ticket,
    TicketMessage,
    TicketSearchTerm,
    TicketSearchVariant,
    TicketStatus,
)
from support.search import Filters, ticket_parts, ticket_search, variants_rows  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
FIRST = "Marie Jean Li Wei Yuki Hana Carlos Ana Lukas Anna Sam Alex Priya Omar Sofia Hiro Mei Paul Lea Tom"
FIRST = FIRST.split()
LAST = (
    "Martin Dubois Wang Zhang Tanaka Sato Garcia Lopez Muller Schmidt Smith Brown Khan Ali Rossi Kim".split()
)
FR = [
    "Je n'arrive plus à me connecter à mon compte depuis hier soir",
    "Ma facture de novembre contient un montant en double",
    "Comment changer la carte bancaire associée à mon abonnement",
    "Le paiement a été refusé alors que ma carte est valide",
    "J'ai demandé un remboursement il y a deux semaines sans réponse",
    "Mon nom de domaine ne pointe plus vers le serveur",
    "Impossible de réinitialiser le mot de passe, le lien a expiré",
    "Je voudrais fermer mon compte et récupérer mes données",
]
DE = [
    "Ich kann mich seit gestern nicht mehr anmelden",
    "Meine Rechnung für November enthält einen doppelten Betrag",
    "Wie ändere ich die Kreditkarte für mein Abonnement",
    "Die Zahlung wurde abgelehnt, obwohl meine Karte gültig ist",
    "Ich habe vor zwei Wochen eine Rückerstattung beantragt",
    "Das Passwort lässt sich nicht zurücksetzen, der Link ist abgelaufen",
]
ES = [
    "No puedo iniciar sesión en mi cuenta desde ayer",
    "Mi factura de noviembre tiene un cargo duplicado",
    "Cómo cambio la tarjeta de crédito de mi suscripción",
    "Pedí un reembolso hace dos semanas y no he recibido nada",
    "El enlace para restablecer la contraseña ha caducado",
]
JA = [
    "昨日からアカウントにログインできません",
    "先月の請求書が二重に届きました",
    "サブスクリプションのクレジットカードを変更したいです",
    "カードは有効なのに支払いが拒否されました",
    "二週間前に返金を申請しましたがまだ届いていません",
    "パスワードの再設定リンクの有効期限が切れています",
    "ドメインがサーバーを指さなくなりました",
]
REPLIES = {
    "en": [
        "Thanks for reaching out, we are looking into it.",
        "Could you send us a screenshot of the error?",
    ],
    "fr": [
        "Merci pour votre message, nous regardons cela.",
        "Pouvez-vous nous envoyer une capture d'écran ?",
    ],
    "de": ["Danke für Ihre Nachricht, wir sehen uns das an.", "Können Sie uns einen Screenshot schicken?"],
    "es": ["Gracias por escribirnos, lo estamos revisando.", "¿Puede enviarnos una captura de pantalla?"],
    "zh-hans": ["感谢您的来信，我们正在处理。", "请发送错误页面的截图。"],
    "ja": [
        "お問い合わせありがとうございます。確認いたします。",
        "エラー画面のスクリーンショットを送っていただけますか。",
    ],
}
NOTES = [
    "Customer says the payment went through twice, check with billing",
    "Escalated to the billing team, waiting for the bank",
    "Same issue as last week, probably the card provider",
    "客户说银行卡被扣了两次，需要财务确认",
    "Le client attend un remboursement, voir avec la compta",
]
LANGUAGE_MIX = [("en", 50), ("zh-hans", 15), ("ja", 10), ("fr", 10), ("de", 8), ("es", 7)]


def _eval_texts(name: str) -> list[str]:
    path = EVAL / name
    if not path.exists():
        return []
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8")]


def corpus() -> dict[str, list[str]]:
    english = _eval_texts("banking77/dev.jsonl") + _eval_texts("clinc150/dev.jsonl")
    # The xSID Chinese set is word-segmented with spaces; customers do not type them.
    chinese = ["".join(t.split()) for t in _eval_texts("xsid/dev-zh-hans.jsonl")]
    chinese += [
        "我昨天申请了退款，但是银行卡还没有收到钱",
        "登录的时候一直提示密码错误",
        "发票上的金额不对，多扣了一次",
    ]
    return {
        "en": english
        or ["I was charged twice for my subscription this month", "My card payment was declined"],
        "zh-hans": chinese,
        "ja": JA,
        "fr": FR,
        "de": DE,
        "es": ES,
    }


def fill(n: int, rng: random.Random) -> None:
    """N tickets with 5 messages each, and their search terms, in bulk."""
    texts = corpus()
    languages = [code for code, weight in LANGUAGE_MIX for _ in range(weight)]
    regions = list(Region.objects.all())
    if not regions:
        from support.demo import regions_load_demo

        regions = regions_load_demo()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    statuses = [s for s, _label in TicketStatus.choices]
    batch = 2000
    t0 = time.perf_counter()
    vocabulary: set[str] = set()
    written_terms = 0
    for first in range(0, n, batch):
        tickets, bodies = [], []
        for i in range(first, min(n, first + batch)):
            language = rng.choice(languages)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            question = rng.choice(texts[language])
            follow_up = rng.choice(texts[language])
            ticket = Ticket(
                reference=f"HC-{10000 + i + 1}",
                requester_name=name,
                requester_email=f"{name.lower().replace(' ', '.')}{i}@example.com",
                language=language,
                subject=question[:80],
                status=rng.choice(statuses),
                region=rng.choice(regions),
                source="web",
                created_at=start + timedelta(minutes=5 * i),
            )
            tickets.append(ticket)
            bodies.append(
                [
                    (MessageKind.CUSTOMER, question),
                    (MessageKind.REPLY, rng.choice(REPLIES[language])),
                    (MessageKind.NOTE, rng.choice(NOTES)),
                    (MessageKind.CUSTOMER, follow_up),
                    (MessageKind.REPLY, rng.choice(REPLIES[language])),
                ]
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=batch)
            if tickets[0].pk is None:  # SQLite before RETURNING: read the ids back
                by_ref = dict(
                    Ticket.objects.filter(reference__in=[t.reference for t in tickets]).values_list(
                        "reference", "pk"
                    )
                )
                for ticket in tickets:
                    ticket.pk = by_ref[ticket.reference]
            messages, terms = [], []
            for ticket, ticket_bodies in zip(tickets, bodies, strict=True):
                messages += [
                    TicketMessage(ticket_id=ticket.pk, kind=kind, body=body) for kind, body in ticket_bodies
                ]
                weights = searchterms.document_terms(
                    ticket_parts(ticket, [body for _kind, body in ticket_bodies]), ticket.language
                )
                terms += [(ticket.pk, term, weight) for term, weight in weights.items()]
                vocabulary.update(weights)
            TicketMessage.objects.bulk_create(messages, batch_size=batch)
            _insert_terms(terms)
            written_terms += len(terms)
        if first % (batch * 10) == 0:
            print(
                f"  {first + len(tickets):>7} tickets, {written_terms:>9} terms, "
                f"{time.perf_counter() - t0:6.1f} s"
            )
    _spread_dates(start)
    rows = variants_rows(t for t in vocabulary if searchterms.typo_eligible(t))
    TicketSearchVariant.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    print(
        f"filled {n} tickets, {5 * n} messages, {written_terms} terms, {len(rows)} typo variants "
        f"in {time.perf_counter() - t0:.0f} s"
    )


def _insert_terms(rows: list[tuple[int, str, int]]) -> None:
    table = TicketSearchTerm._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} (ticket_id, term, weight) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} (ticket_id, term, weight) VALUES (%s, %s, %s)", rows)


def _spread_dates(start: datetime) -> None:
    """created_at is auto_now_add; give the tickets the dates the date filter needs (one SQL)."""
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET created_at = %s + (id * interval '5 minutes')", [start])
        else:
            cursor.execute(
                f"UPDATE {table} "
                "SET created_at = strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+' || (id * 5) || ' minutes')",
                [start.strftime("%Y-%m-%d %H:%M:%S")],
            )
    if connection.vendor == "postgresql":
        # What autovacuum does to a table after a bulk load: statistics for the planner, and the
        # visibility map that lets the search read its indexes alone (index-only scans).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def queries(rng: random.Random, count: int) -> dict[str, list[tuple[str, Filters]]]:
    texts = corpus()
    english_words = sorted(
        {w.strip("?,.!'").lower() for t in texts["en"] for w in t.split() if w.isalpha() and len(w) >= 6}
    )
    chinese = [t for t in texts["zh-hans"] if len(t) >= 6]
    total = Ticket.objects.count()
    some = list(Ticket.objects.order_by("?").values_list("reference", "requester_email")[: count * 2])
    emea = Region.objects.filter(code="EMEA").first() or Region.objects.first()

    def chinese_word():
        t = rng.choice(chinese)
        i = rng.randrange(0, len(t) - 2)
        return t[i : i + 2]

    def two_words():
        for _ in range(20):
            words = [w.strip("?,.!").lower() for w in rng.choice(texts["en"]).split()]
            words = [w for w in words if len(w) > 3 and w.isalpha()]
            if len(words) >= 2:
                return " ".join(rng.sample(words, 2))
        return "card payment"

    def japanese_word():
        t = rng.choice(JA)
        i = rng.randrange(0, len(t) - 3)
        return t[i : i + 3]

    return {
        "one English word": [(rng.choice(english_words), Filters()) for _ in range(count)],
        "two English words": [(two_words(), Filters()) for _ in range(count)],
        "English word with a typo": [
            (_typo(rng.choice(english_words), rng), Filters()) for _ in range(count)
        ],
        "Chinese word in sentences": [(chinese_word(), Filters()) for _ in range(count)],
        "Japanese word in sentences": [(japanese_word(), Filters()) for _ in range(count)],
        "reference": [(ref, Filters()) for ref, _email in some[:count]] if total else [],
        "e-mail address": [(email, Filters()) for _ref, email in some[count:]] if total else [],
        "word + region, status, language, dates": [
            (
                rng.choice(english_words),
                Filters(
                    region_id=emea.pk if emea else None,
                    status=TicketStatus.OPEN,
                    language="en",
                    since=datetime(2025, 3, 1, tzinfo=UTC),
                    until=datetime(2025, 9, 1, tzinfo=UTC),
                ),
            )
            for _ in range(count)
        ],
        "French sentence (all words)": [(rng.choice(FR), Filters()) for _ in range(count)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tickets", type=int, nargs="?", default=100_000)
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    args = parser.parse_args()
    rng = random.Random(16)
    call_command("migrate", verbosity=0)
    existing = Ticket.objects.count()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    if existing:
        print(f"{existing} tickets already there: searching them as they are")
    else:
        fill(args.tickets, rng)
    print(f"{Ticket.objects.count()} tickets, {TicketSearchTerm.objects.count()} search terms")
    ticket_search(query="warm up")
    print(f"{'query kind':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits/q':>7}")
    for kind, items in queries(rng, args.queries).items():
        times, found = [], []
        for query, filters in items:
            t0 = time.perf_counter()
            hits = ticket_search(query=query, filters=filters)
            times.append((time.perf_counter() - t0) * 1000)
            found.append(len(hits))
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(
            f"{kind:40} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f} "
            f"{statistics.mean(found):7.1f}"
        )


if __name__ == "__main__":
    main()
