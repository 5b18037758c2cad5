from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from support.models import TicketSearchTerm
from support.search import Filters, ticket_search
from support.searchterms import deletions, query_words, within_one_edit
from support.services import ticket_create, ticket_customer_reply, ticket_reply
from tests.support.factories import make_demo_regions

LANGUAGES = ["en", "fr", "zh-hans", "es", "de", "ja"]


def test_query_words_keep_references_and_addresses_whole_and_split_chinese_into_bigrams():
    words = query_words("HC-10042 Li.Wei@Example.cn 退款申请", LANGUAGES)
    assert [sorted(w.terms) for w in words] == [
        ["hc-10042"],
        ["li.wei@example.cn"],
        ["退款"],
        ["款申"],
        ["申请"],
    ]


def test_query_words_drop_stop_words_of_any_language_unless_nothing_else_is_left():
    assert [w.surface for w in query_words("le mot de passe", LANGUAGES)] == ["mot", "passe"]
    assert [w.surface for w in query_words("the", LANGUAGES)] == ["the"]


def test_one_deletion_neighbourhoods_meet_for_one_edit_typos():
    for typo, word in [
        ("invoise", "invoice"),
        ("invioce", "invoice"),
        ("invoce", "invoice"),
        ("innvoice", "invoice"),
    ]:
        assert deletions(typo) & deletions(word) and within_one_edit(typo, word)
    assert not within_one_edit("involve", "invoice")


NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def tickets(db):
    regions = make_demo_regions()
    agent = get_user_model().objects.create_user("agent", password="pw-for-tests-123", is_staff=True)
    made = {}

    def make(key, **kwargs):
        defaults = {"requester_email": f"{key}@example.com", "source": "web", "now": NOW}
        made[key] = ticket_create(**{**defaults, **kwargs}).ticket
        return made[key]

    make(
        "li",
        requester_name="李伟",
        subject="账户问题",
        message="我昨天申请了退款，但是银行卡还没有收到钱。",
        language="zh-hans",
        requester_email="Li.Wei@Example.cn",
    )
    make("yuki", subject="請求書について", message="先月の請求書が二重に届きました。", language="ja")
    make("marie", subject="Facture en double", message="J'ai reçu deux factures ce mois-ci.", language="fr")
    invoice = make(
        "sam",
        subject="Question about my invoice",
        message="The invoice for November is wrong.",
        language="en",
    )
    ticket_reply(ticket=invoice, author=agent, body="Customer <b>insists</b> on a refund", public=False)
    ticket_customer_reply(ticket=made["yuki"], body="返金をお願いします")
    made["agent"] = agent
    made["regions"] = regions
    return made


def refs(hits):
    return [hit.ticket.reference for hit in hits]


def test_search_finds_a_chinese_word_inside_a_sentence(tickets):
    hits = ticket_search(query="退款")
    assert refs(hits) == [tickets["li"].reference]
    assert "<mark>退款</mark>" in hits[0].snippet_html


def test_search_finds_japanese_in_a_later_customer_message(tickets):
    assert refs(ticket_search(query="返金")) == [tickets["yuki"].reference]
    assert refs(ticket_search(query="請求書")) == [tickets["yuki"].reference]


def test_search_forgives_a_typo_in_an_english_word(tickets):
    hits = ticket_search(query="invioce")
    assert refs(hits) == [tickets["sam"].reference]
    assert "<mark>invoice</mark>" in hits[0].snippet_html


def test_search_finds_a_reference_and_an_email_address_exactly(tickets):
    assert refs(ticket_search(query=tickets["marie"].reference.lower())) == [tickets["marie"].reference]
    assert refs(ticket_search(query="li.wei@example.CN")) == [tickets["li"].reference]


def test_search_finds_internal_notes_and_escapes_the_highlight(tickets):
    hits = ticket_search(query="insists refund")
    assert refs(hits) == [tickets["sam"].reference]
    assert hits[0].snippet_kind == "note"
    assert (
        str(hits[0].snippet_html)
        == "Customer &lt;b&gt;<mark>insists</mark>&lt;/b&gt; on a <mark>refund</mark>"
    )


def test_search_filters_by_language_status_region_and_date(tickets):
    assert refs(ticket_search(query="facture", filters=Filters(language="fr"))) == [
        tickets["marie"].reference
    ]
    assert ticket_search(query="facture", filters=Filters(language="de")) == []
    assert ticket_search(query="facture", filters=Filters(status="closed")) == []
    emea = tickets["marie"].region
    assert refs(ticket_search(query="facture", filters=Filters(region_id=emea.pk))) == [
        tickets["marie"].reference
    ]
    assert ticket_search(query="facture", filters=Filters(since=datetime(2099, 1, 1, tzinfo=UTC))) == []


def test_search_lists_tickets_with_some_words_when_none_has_all(tickets):
    hits = ticket_search(query="invoice zebra")
    assert refs(hits) == [tickets["sam"].reference] and not hits[0].all_words


def test_replies_and_notes_are_indexed_as_they_are_written(tickets):
    before = TicketSearchTerm.objects.filter(ticket=tickets["marie"]).count()
    ticket_reply(ticket=tickets["marie"], author=tickets["agent"], body="Remboursement envoyé", public=False)
    assert TicketSearchTerm.objects.filter(ticket=tickets["marie"]).count() > before
    assert refs(ticket_search(query="remboursement")) == [tickets["marie"].reference]


@pytest.fixture
def viewer(tickets):
    user = get_user_model().objects.create_user("viewer", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_ticket", content_type__app_label="support")
    )
    return user


def test_search_page_shows_chinese_results_highlighted_for_agents(client, tickets, viewer):
    client.force_login(viewer)
    response = client.get("/zh-hans/agents/search/", {"q": "退款", "language": "zh-hans"})
    assert response.status_code == 200
    html = response.content.decode()
    assert tickets["li"].reference in html and "<mark>退款</mark>" in html
    assert tickets["marie"].reference not in html


def test_search_page_escapes_what_customers_wrote(client, tickets, viewer):
    client.force_login(viewer)
    html = client.get("/en/agents/search/", {"q": "insists"}).content.decode()
    assert "&lt;b&gt;<mark>insists</mark>&lt;/b&gt;" in html and "<b>insists" not in html


def test_search_page_needs_the_view_ticket_permission(client, tickets):
    assert client.get("/en/agents/search/", {"q": "invoice"}).status_code == 302
    client.force_login(get_user_model().objects.create_user("editor", is_staff=True))
    assert client.get("/en/agents/search/", {"q": "invoice"}).status_code == 403


def test_search_page_bad_dates_are_a_400_with_the_reason(client, tickets, viewer):
    client.force_login(viewer)
    response = client.get(
        "/en/agents/search/", {"q": "invoice", "since": "2026-12-01", "until": "2026-11-01"}
    )
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.content.decode()
    assert client.get("/en/agents/search/", {"q": "invoice", "since": "yesterday"}).status_code == 400


def test_a_subject_edited_in_the_admin_is_searchable_at_once(client, tickets):
    from tests.factories import make_staff

    editor = make_staff(username="lead", permissions=("support.view_ticket", "support.change_ticket"))
    client.force_login(editor)
    ticket = tickets["sam"]
    response = client.post(
        f"/admin/support/ticket/{ticket.pk}/change/",
        {
            "subject": "Quarterly statement mismatch",
            "priority": "high",
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert refs(ticket_search(query="quarterly")) == [ticket.reference]


def test_search_with_several_words_each_of_several_stems_needs_them_all(tickets):
    # "factures" stands for its French and English stems; each word must be found.
    assert refs(ticket_search(query="factures double")) == [tickets["marie"].reference]
    assert refs(ticket_search(query="invoice november")) == [tickets["sam"].reference]


def test_a_long_pasted_sentence_still_finds_its_ticket(tickets):
    hits = ticket_search(query="The invoice for November is wrong, please check it again today")
    assert refs(hits)[0] == tickets["sam"].reference
