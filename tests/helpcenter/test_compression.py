"""HTML compression only where it is safe from BREACH-style attacks (core/compression.py)."""

import gzip
import re

import pytest

from support.models import Ticket
from tests.factories import make_article, make_staff
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate, br"}


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


@pytest.mark.parametrize("path", ["/fr/", "/fr/articles/reset-password/", "/fr/search/?q=mot", "/fr/chat/"])
def test_public_pages_are_gzipped_with_a_fresh_token_and_random_padding(client, path):
    make_article(slug="reset-password", translations={"en": {"title": "Reset", "body": "x " * 400}})
    first = client.get(path, headers=GZIP, follow=True)
    second = client.get(path, headers=GZIP, follow=True)
    assert first["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first["Vary"]
    one, two = gzip.decompress(first.content).decode(), gzip.decompress(second.content).decode()
    assert len(first.content) < len(one.encode())
    # BREACH needs a secret that stays the same from one response to the next: the CSRF token is
    # masked afresh each time, and the gzip stream carries random padding.
    assert _token(one) != _token(two)
    assert first.content[:10] == second.content[:10]  # same gzip header ...
    assert first.content[10:] != second.content[10:]  # ... different padding and token


def test_pages_without_gzip_in_accept_encoding_are_sent_plain(client):
    response = client.get("/fr/")
    assert not response.has_header("Content-Encoding")


def test_contact_form_answer_is_not_compressed(client):
    make_demo_regions()
    response = client.post("/en/contact/", {"email": "x"}, headers=GZIP)
    assert not response.has_header("Content-Encoding")


def test_private_pages_are_never_compressed(client):
    make_demo_regions()
    client.force_login(make_staff(permissions=("support.view_ticket",)))
    for path in ["/en/agents/", "/admin/"]:
        response = client.get(path, headers=GZIP, follow=True)
        assert response.status_code == 200, path
        assert not response.has_header("Content-Encoding"), path
    assert not Ticket.objects.exists()
