"""Live chat between a French customer and an EMEA agent: two browser contexts on a live ASGI server
(tests/browser/asgi_server.py), WebSockets and all."""

import re
import time

import pytest
from django.db import OperationalError
from django.test import override_settings
from playwright.sync_api import expect

from chatbot.models import Conversation, LiveStatus
from support.models import AgentProfile, Ticket
from tests.browser.conftest import CHROMIUM
from tests.chatbot.livechat import live_regions, make_agent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]


def _page(browser, *, errors):
    page = browser.new_context(timezone_id="Europe/Paris", locale="fr-FR").new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    return page


def _agent_signs_in(browser, server, errors, next_path="/en/agents/chats/"):
    page = _page(browser, errors=errors)
    page.goto(f"{server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", "agent-emea")
    page.fill("#id_password", "pw-for-tests-123")
    page.click("input[type=submit]")
    expect(page.locator(".staff-bar")).to_contain_text("agent-emea")
    return page


def _customer_asks_for_a_person(browser, server, errors):
    page = _page(browser, errors=errors)
    page.goto(f"{server.url}/fr/")
    page.click(".chat-launcher")
    page.wait_for_selector(".chat-bot")
    page.click(".chat-person")
    page.wait_for_selector(".chat-escalate")
    return page


def _leave_email(page):
    page.fill(".chat-escalate input[type=email]", "marie@example.com")
    page.fill(".chat-escalate input[type=text]", "Marie")
    page.click(".chat-escalate button[type=submit]")


def _wait_for(condition, timeout=15.0):
    """Until `condition()` (a read of the database the live server writes) holds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except OperationalError:  # SQLite's shared-cache test database: "table is locked" during a write
            pass
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _live_chat(browser, server, errors):
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, display_name="Camille")
    agent = _agent_signs_in(browser, server, errors)
    customer = _customer_asks_for_a_person(browser, server, errors)
    expect(customer.locator(".chat-bot .chat-text").last).to_contain_text(
        "Quelqu’un de notre équipe peut discuter avec vous"
    )
    _leave_email(customer)
    expect(customer.locator(".chat-notice").last).to_contain_text("Vous êtes numéro 1 dans la file.")
    expect(customer.locator(".chat-notice").last).to_contain_text("Attente estimée : environ 2 minutes.")
    # The waiting chat appears on the agent's page without a reload, and is announced.
    expect(agent.locator("#staff-live")).to_contain_text("A customer is waiting for a live chat (fr, EMEA).")
    agent.click("#waiting-chats button[type=submit]")
    expect(agent.locator("#live-transcript")).to_contain_text("parler à une personne")
    expect(customer.locator(".chat-notice").last).to_have_text("Camille rejoint la conversation.")
    return customer, agent


def test_french_customer_and_emea_agent_chat_live_with_typing_transcript_and_survey(browser, asgi_server):
    errors = []
    customer, agent = _live_chat(browser, asgi_server, errors)
    # The agent has the whole transcript, the bot's turns included.
    transcript = agent.locator("#live-transcript")
    expect(transcript).to_contain_text("Assistant")
    expect(transcript).to_contain_text("Vous êtes numéro 1 dans la file.")
    # Typing, both ways.
    agent.locator("#live-text").press_sequentially("Bonjour Marie", delay=20)
    expect(customer.locator(".chat-typing")).to_have_text("Camille est en train d’écrire…")
    agent.keyboard.press("Enter")
    expect(customer.locator(".chat-agent").last).to_contain_text("Bonjour Marie")
    expect(customer.locator(".chat-agent .chat-author").last).to_have_text("Camille")
    customer.locator("#chat-input").press_sequentially("<b>Ma facture</b> est fausse", delay=20)
    expect(agent.locator("#customer-typing")).to_have_text("The customer is typing…")
    customer.keyboard.press("Enter")
    # What the customer typed is shown as text, never as markup.
    expect(agent.locator("#live-transcript .from-customer").last).to_contain_text(
        "<b>Ma facture</b> est fausse"
    )
    expect(customer.locator(".chat-customer").last).to_contain_text("<b>Ma facture</b> est fausse")
    # An internal note stays with the agents.
    agent.check("#live-internal")
    agent.fill("#live-text", "Doublon de prélèvement")
    agent.keyboard.press("Enter")
    expect(agent.locator("#live-transcript .note").last).to_contain_text("Doublon de prélèvement")
    agent.click("text=Close the chat")
    expect(customer.locator(".chat-notice").last).to_contain_text("Comment s’est passé cet échange ?")
    assert "Doublon" not in customer.locator(".chat-log").inner_text()
    customer.click(".chat-notice a.chat-support-link")
    expect(customer.locator("h1")).to_be_visible()
    assert "/fr/how-did-we-do/" in customer.url
    assert errors == []


# A WebSocket that stays "connecting" (a slow proxy, a loaded server): what the page sees before
# its socket opens, for as long as a test needs.
OPENING_SOCKET = """
window.WebSocket = function () { this.readyState = 0; };
window.WebSocket.prototype.send = function () { throw new Error("not open yet"); };
window.WebSocket.prototype.close = function () {};
window.WebSocket.CONNECTING = 0; window.WebSocket.OPEN = 1;
"""


def test_an_agents_reply_is_sent_while_the_chat_socket_is_still_opening(browser, asgi_server):
    errors = []
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, display_name="Camille")
    agent = _agent_signs_in(browser, asgi_server, errors)
    customer = _customer_asks_for_a_person(browser, asgi_server, errors)
    _leave_email(customer)
    expect(agent.locator("#staff-live")).to_contain_text("A customer is waiting for a live chat (fr, EMEA).")
    agent.context.add_init_script(OPENING_SOCKET)  # the chat page, opened next, never gets its socket
    agent.click("#waiting-chats button[type=submit]")
    expect(customer.locator(".chat-notice").last).to_have_text("Camille rejoint la conversation.")
    agent.fill("#live-text", "Bonjour, je regarde votre facture")
    agent.keyboard.press("Enter")  # before this fix: nothing at all happened
    expect(customer.locator(".chat-agent").last).to_contain_text("Bonjour, je regarde votre facture")
    expect(agent.locator("#live-transcript .from-agent").last).to_contain_text("Bonjour, je regarde")
    expect(agent.locator("#live-text")).to_have_value("")
    assert errors == []


@override_settings(HELPCENTER_LIVECHAT_DROP_SECONDS=1)
def test_agent_connection_cut_makes_a_ticket_for_the_next_region_and_the_customer_is_told(
    browser, asgi_server
):
    errors = []
    customer, agent = _live_chat(browser, asgi_server, errors)
    expect(agent.locator("#live-text")).to_be_visible()
    # A connection to cut: the server has counted the agent's socket (the page opens it after it shows).
    _wait_for(lambda: Conversation.objects.get().agent_connections == 1)
    agent.context.close()  # the agent's browser is gone: its socket closes for good
    expect(customer.locator(".chat-notice").last).to_contain_text(
        "Nous avons perdu la connexion avec Camille. Nous avons fait un ticket de cette conversation",
        timeout=15000,
    )
    ticket = Ticket.objects.get()
    expect(customer.locator(".chat-log")).to_contain_text(ticket.reference)
    assert (ticket.requester_email, ticket.region.code) == ("marie@example.com", "EMEA")
    assert Conversation.objects.get().live_status == LiveStatus.ENDED
    assert errors == []


def test_reconnecting_shows_every_message_exactly_once(browser, asgi_server):
    errors = []
    customer, agent = _live_chat(browser, asgi_server, errors)
    agent.fill("#live-text", "Premier message")
    agent.keyboard.press("Enter")
    expect(customer.locator(".chat-agent")).to_have_count(1)
    # The customer's page goes away (their socket closes); the agent writes meanwhile.
    url = customer.url
    customer.goto("about:blank")
    for text in ("Pendant votre absence 1", "Pendant votre absence 2"):
        agent.fill("#live-text", text)
        agent.keyboard.press("Enter")
        expect(agent.locator("#live-transcript")).to_contain_text(text)
    customer.goto(url)
    customer.click(".chat-launcher")
    expect(customer.locator(".chat-agent")).to_have_count(3)
    agent.fill("#live-text", "Après le retour")
    agent.keyboard.press("Enter")
    expect(customer.locator(".chat-agent")).to_have_count(4)
    texts = customer.locator(".chat-log .chat-text").all_inner_texts()
    for text in ("Premier message", "Pendant votre absence 1", "Pendant votre absence 2", "Après le retour"):
        assert texts.count(text) == 1, (text, texts)
    assert len([t for t in texts if t == "Camille rejoint la conversation."]) == 1
    assert errors == []


def test_nobody_available_gives_todays_ticket_and_it_appears_on_the_open_queue_page(browser, asgi_server):
    errors = []
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, display_name="Camille", online=False)
    queue = _agent_signs_in(browser, asgi_server, errors, next_path="/en/agents/regions/EMEA/")
    assert AgentProfile.objects.get().presence == "offline"
    customer = _customer_asks_for_a_person(browser, asgi_server, errors)
    expect(customer.locator(".chat-bot .chat-text").last).not_to_contain_text("peut discuter avec vous")
    _leave_email(customer)
    expect(customer.locator(".chat-bot").last).to_contain_text("Merci ! Notre équipe EMEA team")
    ticket = Ticket.objects.get()
    # On the queue page, opened before the ticket existed: a new row and an announcement.
    expect(queue.locator("table[data-live-queue=EMEA] tbody tr").first).to_contain_text(ticket.reference)
    expect(queue.locator("#staff-live")).to_have_text(re.compile(f"New ticket {ticket.reference} in EMEA"))
    assert errors == []


def test_a_customers_answer_appears_on_the_open_ticket_page_and_is_announced(browser, asgi_server):
    from support.notifications import status_token
    from support.services import ticket_create

    errors = []
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, display_name="Camille")
    ticket = ticket_create(
        requester_email="marie@example.com", subject="Facture", message="Bonjour", language="fr", source="web"
    ).ticket
    agent = _agent_signs_in(browser, asgi_server, errors, next_path=f"/en/agents/tickets/{ticket.reference}/")
    customer = _page(browser, errors=errors)
    customer.goto(f"{asgi_server.url}/fr/requests/{status_token(ticket)}/")
    customer.fill("textarea[name=message]", "Voici la <i>capture</i> demandée")
    customer.locator("form.stack-form", has=customer.locator("textarea[name=message]")).locator(
        "button"
    ).click()
    expect(customer.locator(".message-body").last).to_contain_text("capture")
    expect(agent.locator("#staff-live")).to_contain_text(f"The customer wrote on {ticket.reference}: Facture")
    expect(agent.locator(".article-layout > div > ol.conversation")).to_contain_text(
        "Voici la <i>capture</i> demandée"
    )
    assert errors == []


def test_without_websockets_the_widget_falls_back_to_polling_over_plain_http(browser, asgi_server):
    errors = []
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, display_name="Camille")
    agent = _agent_signs_in(browser, asgi_server, errors)
    customer = _page(browser, errors=errors)
    customer.add_init_script("delete window.WebSocket;")  # a browser or proxy without WebSockets
    customer.goto(f"{asgi_server.url}/fr/")
    customer.click(".chat-launcher")
    customer.wait_for_selector(".chat-bot")
    customer.click(".chat-person")
    customer.wait_for_selector(".chat-escalate")
    _leave_email(customer)
    expect(customer.locator(".chat-notice").last).to_contain_text("Vous êtes numéro 1 dans la file.")
    agent.click("#waiting-chats button[type=submit]")
    expect(customer.locator(".chat-notice").last).to_have_text("Camille rejoint la conversation.")
    agent.fill("#live-text", "Bonjour par HTTP")
    agent.keyboard.press("Enter")
    expect(customer.locator(".chat-agent")).to_contain_text("Bonjour par HTTP")
    customer.fill("#chat-input", "Reçu")
    customer.keyboard.press("Enter")
    expect(agent.locator("#live-transcript .from-customer").last).to_contain_text("Reçu")
    expect(customer.locator(".chat-customer").last).to_contain_text("Reçu")
    assert customer.locator(".chat-log .chat-text").all_inner_texts().count("Reçu") == 1
    assert errors == []


def test_at_17_05_dublin_time_nobody_is_available_for_french_and_the_ticket_gives_the_opening_time(
    browser, asgi_server, monkeypatch
):
    from datetime import UTC, datetime

    from django.utils import timezone

    from tests.support.factories import make_demo_regions

    tuesday_17_05 = datetime(2026, 12, 8, 17, 5, tzinfo=UTC)  # Dublin is on UTC in December
    monkeypatch.setattr(timezone, "now", lambda: tuesday_17_05)
    regions = {region.code: region for region in make_demo_regions()}
    make_agent("agent-emea", regions["EMEA"], display_name="Camille", now=tuesday_17_05)  # online, off shift
    errors = []
    customer = _customer_asks_for_a_person(browser, asgi_server, errors)
    expect(customer.locator(".chat-bot .chat-text").last).not_to_contain_text("peut discuter avec vous")
    _leave_email(customer)
    # Today's flow: a ticket for EMEA, which opens on Wednesday at 08:00 in Dublin, 09:00 in Paris.
    expect(customer.locator(".chat-bot").last).to_contain_text(
        "Notre équipe Europe, Moyen-Orient et Afrique commence à 09:00 à votre heure (mercredi)"
    )
    ticket = Ticket.objects.get()
    assert (ticket.region.code, Conversation.objects.get().live_status) == ("EMEA", "")
    assert errors == []


def test_without_websockets_the_agents_pages_poll_new_tickets_waiting_chats_and_messages(
    browser, asgi_server
):
    from support.services import ticket_create

    errors = []
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, display_name="Camille")
    queue = _agent_signs_in(browser, asgi_server, errors, next_path="/en/agents/regions/EMEA/")
    queue.context.add_init_script("delete window.WebSocket;")  # a browser or proxy without WebSockets
    queue.reload()
    queue.wait_for_timeout(3500)  # the first poll: where to start
    ticket = ticket_create(
        requester_email="marie@example.com", subject="Facture", message="Bonjour", language="fr", source="web"
    ).ticket
    expect(queue.locator("table[data-live-queue=EMEA] tbody tr").first).to_contain_text(ticket.reference)
    expect(queue.locator("#staff-live")).to_have_text(re.compile(f"New ticket {ticket.reference} in EMEA"))
    assert queue.locator(f"table[data-live-queue=EMEA] tbody tr:has-text('{ticket.reference}')").count() == 1

    # The chats workspace, polled too: a waiting chat appears, and the chat itself works over HTTP.
    queue.goto(f"{asgi_server.url}/en/agents/chats/")
    queue.wait_for_timeout(3500)
    customer = _customer_asks_for_a_person(browser, asgi_server, errors)
    _leave_email(customer)
    expect(queue.locator("#staff-live")).to_contain_text("A customer is waiting for a live chat (fr, EMEA).")
    queue.click("#waiting-chats button[type=submit]")
    expect(customer.locator(".chat-notice").last).to_have_text("Camille rejoint la conversation.")
    customer.fill("#chat-input", "Ma facture est fausse")
    customer.keyboard.press("Enter")
    expect(queue.locator("#live-transcript .from-customer").last).to_contain_text("Ma facture est fausse")
    queue.fill("#live-text", "Bonjour par HTTP")
    queue.keyboard.press("Enter")
    expect(customer.locator(".chat-agent")).to_contain_text("Bonjour par HTTP")
    queue.wait_for_timeout(2500)  # another poll: the reply it posted is not shown twice
    texts = queue.locator("#live-transcript .message-body").all_inner_texts()
    assert [t for t in texts if "Bonjour par HTTP" in t] == ["Bonjour par HTTP"]
    assert errors == []
