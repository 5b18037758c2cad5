import pytest

from support.models import Region
from support.services import ticket_create
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


def test_admin_region_and_ticket_pages_render(admin_client):
    regions = make_demo_regions()
    ticket = ticket_create(
        requester_email="c@example.com", subject="s", message="m", language="en", source="web"
    ).ticket
    assert admin_client.get(f"/admin/support/region/{regions[0].pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/support/ticket/{ticket.pk}/change/").status_code == 200
    assert admin_client.get("/admin/support/ticket/add/").status_code == 403


def test_admin_rejects_bad_hours_and_time_zone_with_form_errors(admin_client):
    response = admin_client.post(
        "/admin/support/region/add/",
        {
            "code": "LATAM",
            "name": "Latin America",
            "timezone": "America/Nowhere",
            "languages": '["es"]',
            "hours": "Mon-Fri 8-17",
            "order": 4,
            "closures-TOTAL_FORMS": 0,
            "closures-INITIAL_FORMS": 0,
            "closures-MIN_NUM_FORMS": 0,
            "closures-MAX_NUM_FORMS": 1000,
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "America/Nowhere is not a known time zone." in content
    assert "&#x27;8&#x27; is not a time like 08:00" in content
    assert not Region.objects.filter(code="LATAM").exists()
