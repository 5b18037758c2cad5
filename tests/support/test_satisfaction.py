"""How did we do?: asked when a ticket is solved, in the customer's language, through a signed link;
one answer per ticket, changeable for a week; shown to agents and on the report."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing

from support.models import AgentProfile, Satisfaction, TicketStatus
from support.notifications import SURVEY_SALT, status_token, survey_token
from support.selectors import satisfaction_report
from support.services import ticket_create, ticket_reply, ticket_set_status
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def agent():
    make_demo_regions()
    user = get_user_model().objects.create_user("agent-emea", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    AgentProfile.objects.create(user=user, display_name="Camille")
    return user


def solved(agent, language="fr", *, capture=None):
    ticket = ticket_create(
        requester_email="marie@example.com",
        requester_name="Marie",
        subject="Facture",
        message="Débitée deux fois",
        language=language,
        customer_timezone="Europe/Paris",
        source="web",
        now=NOW,
    ).ticket
    ticket_reply(ticket=ticket, author=agent, body="Remboursé.", public=True, now=NOW)
    if capture:
        with capture(execute=True):
            ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    else:
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    ticket.refresh_from_db()
    return ticket


def survey_path(ticket, language="fr"):
    return f"/{language}/how-did-we-do/{survey_token(ticket)}/"


def test_solving_a_ticket_emails_how_did_we_do_in_the_customers_language(
    agent, django_capture_on_commit_callbacks, mailoutbox
):
    ticket = solved(agent, "ja", capture=django_capture_on_commit_callbacks)
    email = mailoutbox[-1]
    assert "いかがでしたか" in email.subject
    assert "アジア太平洋チーム" in email.body
    links = re.findall(r"https?://\S+/ja/how-did-we-do/\S+", email.body)
    assert [link.rsplit("?", 1)[1] for link in links] == ["rating=good", "rating=bad"]
    survey = Satisfaction.objects.get(ticket=ticket)
    assert (survey.agent, survey.region.code, survey.language, survey.rating) == (agent, "APAC", "ja", "")


def test_the_survey_page_is_asked_in_the_tickets_language_and_preselects_the_link_answer(client, agent):
    ticket = solved(agent, "fr")
    html = client.get(survey_path(ticket) + "?rating=bad").content.decode()
    assert "Qu’en avez-vous pensé ?" in html
    assert 'value="bad" required checked' in html or re.search(r'value="bad"[^>]*checked', html)


def test_one_answer_per_ticket_changeable_while_open(client, agent):
    ticket = solved(agent)
    response = client.post(survey_path(ticket), {"rating": "bad", "comment": "Trop lent"})
    assert response.status_code == 302
    client.post(survey_path(ticket), {"rating": "good", "comment": "Finalement, merci"})
    survey = Satisfaction.objects.get()
    assert (survey.rating, survey.comment) == ("good", "Finalement, merci")


def test_tampered_link_is_404(client, agent):
    ticket = solved(agent)
    token = survey_token(ticket)
    assert client.get(f"/fr/how-did-we-do/{token[:-2]}xx/").status_code == 404
    # A status link is signed for another purpose: it opens no survey.
    assert client.get(f"/fr/how-did-we-do/{status_token(ticket)}/").status_code == 404
    forged = signing.dumps({"t": ticket.pk, "k": "guessed"}, salt=SURVEY_SALT, compress=True)
    assert client.get(f"/fr/how-did-we-do/{forged}/").status_code == 404


def test_expired_link_is_404(client, agent, settings):
    ticket = solved(agent)
    settings.HELPCENTER_SATISFACTION_MAX_AGE = -1  # every signature is older than that
    assert client.get(survey_path(ticket)).status_code == 404


def test_survey_closed_after_a_week_refuses_changes(client, agent):
    ticket = solved(agent)
    client.post(survey_path(ticket), {"rating": "bad"})
    Satisfaction.objects.update(asked_at=datetime.now(UTC) - timedelta(days=8))
    assert client.post(survey_path(ticket), {"rating": "good"}).status_code == 404
    assert Satisfaction.objects.get().rating == "bad"


def test_survey_bad_input_is_400(client, agent):
    ticket = solved(agent)
    assert client.post(survey_path(ticket), {"rating": "meh"}).status_code == 400
    assert client.post(survey_path(ticket), {"rating": "good", "comment": "x" * 2001}).status_code == 400
    assert Satisfaction.objects.get().rating == ""


def test_status_page_asks_how_did_we_do_once_solved(client, agent):
    ticket = solved(agent)
    html = client.get(f"/fr/requests/{status_token(ticket)}/").content.decode()
    assert "Qu’en avez-vous pensé ?" in html
    assert "/fr/how-did-we-do/" in html


def test_agents_see_the_answer_on_the_ticket_and_the_report(client, agent):
    ticket = solved(agent)
    client.post(survey_path(ticket), {"rating": "good", "comment": "Rapide <b>et</b> clair"})
    client.force_login(agent)
    html = client.get(f"/en/agents/tickets/{ticket.reference}/").content.decode()
    assert "Good" in html and "Rapide &lt;b&gt;et&lt;/b&gt; clair" in html
    report = client.get("/en/agents/report/").content.decode()
    assert "agent-emea (Camille)" in report


def test_report_groups_answers_by_region_language_and_agent(client, agent):
    for language, rating in [("fr", "good"), ("fr", "bad"), ("de", "good")]:
        client.post(survey_path(solved(agent, language)), {"rating": rating})
    solved(agent, "ja")  # asked, not answered
    report = satisfaction_report(since=datetime.now(UTC) - timedelta(days=1))
    assert report.asked == 4
    assert [(r.label, r.good, r.bad, r.good_percent) for r in report.by_region] == [("EMEA", 2, 1, 67)]
    assert [(r.label, r.good, r.bad) for r in report.by_language] == [("fr", 1, 1), ("de", 1, 0)]
    assert [(r.label, r.answered) for r in report.by_agent] == [("agent-emea (Camille)", 3)]
