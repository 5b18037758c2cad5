"""The bot learns from its customers, with an editor's say: questions the bot answered and the customer
confirmed, and questions an agent answered by linking an article, are offered per article and
language as new sample phrasings; accepting one goes through kb's write and the bot then answers it."""

import pytest
from django.test import Client

from chatbot.answering import ReplyKind, respond
from chatbot.conf import chat_bot
from chatbot.models import PhrasingProposal, ProposalStatus
from chatbot.privacy import erase_phrasings, export_phrasings
from chatbot.proposals import Candidate, article_links, group_phrasings, phrasing_text
from kb.models import Article, TranslationRevision
from kb.translations.rules import State
from kb.translations.selectors import current_revision, translation_status
from support.models import TicketSource
from support.services import ticket_create, ticket_reply
from tests.chatbot.test_api import post, site, start  # noqa: F401 - the site fixture
from tests.factories import make_article, make_staff

URL = "/en/editors/customers-also-ask/"


def _editor():
    return make_staff(username="editor", permissions=("kb.change_article", "kb.view_article"))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _confirmed(client, text, *, language="en"):
    """A customer asks in the chat, the bot answers, the customer says "yes, that helped"."""
    cid = start(client, language)
    reply = post(client, f"/api/chat/conversations/{cid}/messages", {"text": text}).json()["reply"]
    assert reply["kind"] == "answer", reply
    post(client, f"/api/chat/conversations/{cid}/feedback", {"message": reply["id"], "helpful": True})
    return cid, reply


def _page_groups(client, language="en", **params):
    response = client.get(URL, {"language": language, **params})
    assert response.status_code == 200
    return [
        (item.article.field_in("en", "slug"), [(g.text, g.count, g.source_list) for g in item.groups])
        for item in response.context["articles"]
    ]


def _accept(client, text, language="en"):
    proposals = PhrasingProposal.objects.filter(text=text, language=language, status=ProposalStatus.PENDING)
    ids = ",".join(str(pk) for pk in proposals.values_list("pk", flat=True))
    return client.post(f"{URL}?language={language}", {"action": "accept", "ids": ids, "text": text})


def _two_factor():
    return make_article(
        slug="two-factor",
        translations={
            "en": {
                "title": "Two-factor authentication",
                "body": "Use an authenticator app for sign-in codes.",
                "questions": ["set up two-factor authentication", "turn on 2FA"],
            }
        },
    )


def _agent_answers_with_a_link(question, link, *, email="ana@example.com", language="en", source="web"):
    created = ticket_create(
        requester_email=email,
        requester_name="Ana",
        subject=question,
        message=question,
        language=language,
        source=source,
    )
    agent = make_staff(username=f"agent-{created.ticket.pk}")
    ticket_reply(
        ticket=created.ticket, author=agent, body=f"Hello Ana, this explains it: {link}", public=True
    )
    return created.ticket


# --- The done-test -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_confirmed_chat_question_is_proposed_and_once_accepted_the_bot_answers_it(client, site):  # noqa: F811
    question = "je ne me souviens plus de mon mot de passe"
    before = respond(chat_bot(), question, language="fr")
    _confirmed(client, question, language="fr")
    editor = _client(_editor())

    assert _page_groups(editor, "fr") == [("reset-password", [(question, 1, ["chat"])])]
    assert _page_groups(editor, "en") == []  # per language
    revision = current_revision(Article.objects.get(slug_en="reset-password"))
    response = _accept(editor, question, "fr")
    assert response.status_code == 302

    article = Article.objects.get(slug_en="reset-password")
    assert article.question_list("fr")[-1] == question
    assert current_revision(article) == revision  # a French line is no source revision...
    assert TranslationRevision.objects.filter(article=article, language="fr").count() == 2  # ...but a version
    assert PhrasingProposal.objects.get().status == ProposalStatus.ACCEPTED
    after = respond(chat_bot(), question, language="fr")  # the real bot; the engine rebuilt on the change
    assert after.kind == ReplyKind.ANSWER and after.articles[0].id == article.pk
    assert after.articles[0].confidence > before.articles[0].confidence
    assert _page_groups(editor, "fr") == []  # decided: not offered again


@pytest.mark.django_db
def test_a_question_an_agent_answered_with_a_link_is_proposed_and_then_answered_by_the_bot(site):  # noqa: F811
    article = _two_factor()
    question = "the six digit codes never reach my new phone"
    assert respond(chat_bot(), question, language="en").kind != ReplyKind.ANSWER
    _agent_answers_with_a_link(question, "https://help.example.com/en/articles/two-factor/")
    editor = _client(_editor())
    assert _page_groups(editor) == [("two-factor", [(question, 1, ["ticket"])])]
    assert _accept(editor, question).status_code == 302
    article.refresh_from_db()
    assert question in article.question_list("en")
    assert current_revision(article) == 2  # the source language: a new source revision
    after = respond(chat_bot(), question, language="en")
    assert after.kind == ReplyKind.ANSWER and after.articles[0].id == article.pk


# --- What is offered ----------------------------------------------------------------------------


def test_near_duplicates_are_grouped_and_known_questions_left_out():
    groups, redundant = group_phrasings(
        [
            Candidate(1, "I can't remember my password", "chat"),
            Candidate(2, "i can't remember my password!", "ticket"),
            Candidate(3, "I can't remember my pasword", "chat"),
            Candidate(4, "I can't remember my password", "chat"),
            Candidate(5, "how do I change my e-mail address", "chat"),
            Candidate(6, "I forgot my password", "chat"),
        ],
        "en",
        known=["I forgot my password", "can't log in"],
    )
    assert [(g.text, g.count, g.source_list) for g in groups] == [
        ("I can't remember my password", 4, ["chat", "ticket"]),
        ("how do I change my e-mail address", 1, ["chat"]),
    ]
    assert groups[0].variants[0] == ("I can't remember my password", 2) and len(groups[0].variants) == 3
    assert redundant == [6]


def test_near_duplicates_in_chinese():
    groups, _redundant = group_phrasings(
        [Candidate(1, "我的密码想不起来了", "chat"), Candidate(2, "我的密码想不起来了。", "chat")], "zh-hans"
    )
    assert [g.count for g in groups] == [2]


def test_article_links_and_phrasing_texts():
    assert article_links(
        "See https://x.example/fr/articles/mot-de-passe/ or /en/articles/reset-password"
    ) == [
        ("fr", "mot-de-passe"),
        ("en", "reset-password"),
    ]
    assert article_links("no link here, /en/categories/billing/") == []
    assert phrasing_text("  How do I\n reset   it? ") == "How do I reset it?"
    assert phrasing_text("x" * 500) is None and phrasing_text(" ") is None


@pytest.mark.django_db
def test_the_page_groups_repeated_chat_questions_per_article(client, site):  # noqa: F811
    for text in (
        "I can't remember my password",
        "i can't remember my password!",
        "my credit card is no longer valid",
    ):
        _confirmed(client, text)
    _confirmed(client, "I forgot my password")  # the article's own sample question: nothing to add
    editor = _client(_editor())
    assert _page_groups(editor) == [
        ("reset-password", [("I can't remember my password", 2, ["chat"])]),
        ("update-card", [("my credit card is no longer valid", 1, ["chat"])]),
    ]
    # Opening the page again collects nothing twice.
    _page_groups(editor)
    assert PhrasingProposal.objects.count() == 4


@pytest.mark.django_db
def test_unconfirmed_answers_internal_notes_and_staff_tickets_are_not_offered(client, site):  # noqa: F811
    cid = start(client)
    post(client, f"/api/chat/conversations/{cid}/messages", {"text": "I can't remember my password"})
    article = _two_factor()
    ticket = _agent_answers_with_a_link(
        "codes never arrive", "/en/articles/two-factor/", source=TicketSource.STAFF
    )
    web = ticket_create(
        requester_email="bo@example.com",
        subject="my codes never arrive",
        message="my codes never arrive",
        language="en",
        source="web",
    ).ticket
    ticket_reply(
        ticket=web, author=make_staff(username="agent-x"), body="/en/articles/two-factor/", public=False
    )
    assert ticket.pk and article.pk
    assert _page_groups(_client(_editor())) == []


@pytest.mark.django_db
def test_accept_and_dismiss_are_one_click_per_group_and_final(client, site):  # noqa: F811
    for text in ("I can't remember my password", "i can't remember my password!"):
        _confirmed(client, text)
    editor = _client(_editor())
    _page_groups(editor)
    ids = ",".join(str(pk) for pk in PhrasingProposal.objects.values_list("pk", flat=True))
    response = editor.post(URL, {"action": "dismiss", "ids": ids})
    assert response.status_code == 302
    assert set(PhrasingProposal.objects.values_list("status", flat=True)) == {ProposalStatus.DISMISSED}
    assert _page_groups(editor) == []
    again = editor.post(URL, {"action": "accept", "ids": ids, "text": "I can't remember my password"})
    assert again.status_code == 400 and "already decided" in again.content.decode()
    assert "I can't remember my password" not in Article.objects.get(slug_en="reset-password").question_list(
        "en"
    )


@pytest.mark.django_db
def test_accepting_in_the_source_language_makes_a_source_revision_and_outdates_translations(
    client,
    site,  # noqa: F811
):
    _confirmed(client, "I can't remember my password")
    editor = _client(_editor())
    _page_groups(editor)
    article = Article.objects.get(slug_en="reset-password")
    assert translation_status(obj=article, language="fr").state == State.UP_TO_DATE
    assert _accept(editor, "I can't remember my password").status_code == 302
    assert current_revision(article) == 2
    assert translation_status(obj=article, language="fr").state == State.OUTDATED


# --- Bad input, permissions, escaping ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"action": "accept", "ids": "1", "text": ""},
        {"action": "accept", "ids": "x", "text": "a"},
        {"action": "publish", "ids": "1"},
        {"action": "dismiss", "ids": ""},
        {"action": "dismiss", "ids": "-4"},
    ],
)
def test_bad_decisions_are_refused_with_a_400(data):
    assert _client(_editor()).post(URL, data).status_code == 400


@pytest.mark.django_db
def test_accepting_a_wording_no_customer_wrote_is_refused(client, site):  # noqa: F811
    _confirmed(client, "I can't remember my password")
    editor = _client(_editor())
    _page_groups(editor)
    ids = ",".join(str(pk) for pk in PhrasingProposal.objects.values_list("pk", flat=True))
    response = editor.post(URL, {"action": "accept", "ids": ids, "text": "buy cheap pills"})
    assert response.status_code == 400
    assert "buy cheap pills" not in Article.objects.get(slug_en="reset-password").questions_en


@pytest.mark.django_db
def test_page_needs_an_editor_and_a_csrf_token(client, site):  # noqa: F811
    assert Client().get(URL).status_code == 302
    assert Client().post(URL, {"action": "dismiss", "ids": "1"}).status_code == 302
    agent = _client(make_staff(username="agent", permissions=("kb.view_article",)))
    assert agent.get(URL).status_code == 403
    assert agent.post(URL, {"action": "dismiss", "ids": "1"}).status_code == 403
    editor = _editor()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(URL, {"action": "dismiss", "ids": "1"}).status_code == 403
    assert _client(editor).get(URL, {"days": "many"}).status_code == 400


@pytest.mark.django_db
def test_customer_text_is_escaped(site):  # noqa: F811
    _two_factor()
    _agent_answers_with_a_link("<script>alert(1)</script> codes?", "/en/articles/two-factor/")
    content = _client(_editor()).get(URL).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; codes?" in content and "<script>alert(1)" not in content


@pytest.mark.django_db
def test_content_gaps_link_here(site):  # noqa: F811
    content = _client(_editor()).get("/en/editors/content-gaps/?language=fr").content.decode()
    assert 'href="/en/editors/customers-also-ask/?language=fr"' in content


# --- Privacy -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_and_erase_phrasings_by_email(client, site):  # noqa: F811
    _two_factor()
    _agent_answers_with_a_link("my codes never arrive", "/en/articles/two-factor/", email="ana@example.com")
    _agent_answers_with_a_link("where are my login codes", "/en/articles/two-factor/", email="bo@example.com")
    # A chat the customer confirmed and then handed to a person with her address.
    cid, _reply = _confirmed(client, "I can't remember my password")
    post(client, f"/api/chat/conversations/{cid}/escalate", {"email": "Ana@Example.com", "name": "Ana"})
    _client(_editor()).get(URL)
    assert PhrasingProposal.objects.count() == 3

    exported = export_phrasings("ana@example.com")
    assert sorted((row["text"], row["source"], row["article"]) for row in exported) == [
        ("I can't remember my password", "chat", "reset-password"),
        ("my codes never arrive", "ticket", "two-factor"),
    ]
    assert all(row["ticket"] for row in exported) and exported[0]["asked_at"]
    assert "where are my login codes" not in str(exported)
    assert export_phrasings("") == [] and export_phrasings("nobody@example.com") == []

    assert erase_phrasings("ANA@example.com") == 2
    assert list(PhrasingProposal.objects.values_list("text", flat=True)) == ["where are my login codes"]
    assert export_phrasings("ana@example.com") == [] and erase_phrasings("ana@example.com") == 0
