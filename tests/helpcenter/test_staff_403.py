"""Staff refused a page (a translator on another language, an agent on the editors' reports) get a
staff page saying why and what they may do, with a way back; customers keep the public page."""

import pytest
from django.test import Client

from kb.translations.permissions import codename
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


def _client(user, language="fr") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_translator_refused_another_language_sees_why_what_they_may_do_and_the_way_back():
    article = make_article(slug="reset-password")
    translator = make_staff(username="translator-fr", permissions=(f"kb.{codename('translate', 'fr')}",))
    response = _client(translator).get(f"/admin/kb/article/{article.pk}/translate/de/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Vous ne pouvez pas traduire dans cette langue." in html
    assert "Traduire vers : français." in html
    assert 'href="/admin/"' in html
    # Not the customers' page: no chat, no "contact support".
    assert "chat-launcher" not in html and "Contacter le support" not in html


def test_an_agent_refused_an_editors_report_is_sent_back_to_the_agents_pages():
    agent = make_staff(username="agent", permissions=("support.view_ticket",))
    response = _client(agent, "en").get("/en/editors/content-gaps/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Access denied" in html and 'href="/en/agents/"' in html and "chat-launcher" not in html


def test_customers_keep_the_public_403_page():
    from django.contrib.auth import get_user_model

    customer = get_user_model().objects.create_user("someone", password="pw-for-tests-123")
    response = _client(customer, "en").get("/en/editors/content-gaps/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Back to the administration" not in html and "chat-launcher" in html
