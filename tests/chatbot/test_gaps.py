import pytest

from chatbot.gaps import group_questions
from kb.models import SearchLog
from tests.chatbot.test_api import post, site, start  # noqa: F401 - the site fixture
from tests.factories import make_staff


def test_group_questions_merges_similar_wording_and_counts():
    gaps = group_questions(
        [
            ("How do I transfer money abroad?", "chat"),
            ("transfer money abroad", "search"),
            ("how to transfer money abroad", "chat"),
            ("what's the weather in Paris", "chat"),
        ],
        "en",
    )
    assert [(g.representative, g.count, sorted(g.sources)) for g in gaps] == [
        ("How do I transfer money abroad?", 3, ["chat", "search"]),
        ("what's the weather in Paris", 1, ["chat"]),
    ]
    assert gaps[0].examples == [
        "How do I transfer money abroad?",
        "transfer money abroad",
        "how to transfer money abroad",
    ]


def test_group_questions_chinese():
    gaps = group_questions(
        [("怎么开发票", "chat"), ("怎么开发票？", "search"), ("天气怎么样", "chat")], "zh-hans"
    )
    assert [g.count for g in gaps] == [2, 1]


@pytest.mark.django_db
def test_content_gaps_page_lists_failed_searches_and_unanswered_chats_for_editors(client, site):  # noqa: F811
    SearchLog.objects.create(query="international transfer", language="en", results=0)
    SearchLog.objects.create(query="reset password", language="en", results=2)
    cid = start(client)
    post(
        client, f"/api/chat/conversations/{cid}/messages", {"text": "how do I make an international transfer"}
    )
    client.force_login(make_staff(username="ed", permissions=("kb.change_article",)))
    response = client.get("/en/editors/content-gaps/?language=en")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows[0]["gap"].count == 2 and rows[0]["gap"].sources == {"search", "chat"}
    assert all("reset password" not in row["gap"].examples for row in rows)
    assert rows[0]["create_url"].startswith("/admin/kb/article/add/?title_en=international+transfer")


@pytest.mark.django_db
def test_content_gaps_page_is_for_editors_only(client):
    assert client.get("/en/editors/content-gaps/").status_code == 302
    client.force_login(make_staff(username="agent", permissions=("support.view_ticket",)))
    assert client.get("/en/editors/content-gaps/").status_code == 403


@pytest.mark.django_db
def test_confidence_page_shows_editors_what_the_bot_does_with_their_own_questions(client):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    url = "/en/editors/assistant-confidence/"
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(make_staff(username="agent", permissions=("support.view_ticket",)))
    assert client.get(url).status_code == 403
    client.force_login(make_staff(username="ed", permissions=("kb.change_article",)))
    response = client.get(url)
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["rows"]}
    assert set(rows) == {"en", "fr", "zh-hans", "es", "de", "ja"}
    english = rows["en"]["report"]
    assert english.questions > 50  # the demo's sample questions, each held out once
    assert (
        english.answered_right + english.answered_wrong + english.suggested + english.refused
        == english.questions
    )
    # The 50 general off-topic questions and the 40 near-domain, small-talk and non-question ones
    # that teach the off-topic gate.
    assert english.offtopic == 90
    assert "likely right" in response.content.decode()
