"""The report's "when tickets arrive" heatmap: weekday × hour in UTC and in the customers' own time,
with each region's hours, drawn on the server (SVG) with a table alternative."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from support import heatmap, selectors
from support.models import Ticket
from support.services import ticket_create
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 22, 10, 0, tzinfo=UTC)  # a Tuesday in winter (no daylight-saving time)


def arrive(at: datetime, zone: str) -> None:
    ticket = ticket_create(
        requester_email="c@example.com",
        subject="Q",
        message="…",
        language="en",
        customer_timezone=zone,
        source="web",
        now=at,
    ).ticket
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)


def test_arrivals_by_weekday_and_hour_in_utc_and_local_time():
    make_demo_regions()
    arrive(datetime(2026, 12, 21, 9, 15, tzinfo=UTC), "Europe/Paris")  # Mon 09 UTC, Mon 10 Paris
    arrive(datetime(2026, 12, 21, 23, 30, tzinfo=UTC), "Asia/Tokyo")  # Mon 23 UTC, Tue 08 Tokyo
    arrive(datetime(2026, 12, 20, 0, 30, tzinfo=UTC), "Not/AZone")  # Sun 00 UTC, unknown zone = UTC
    arrivals = selectors.ticket_arrivals(since=NOW - timedelta(days=30), now=NOW)
    assert arrivals.total == 3
    assert (arrivals.utc[0][9], arrivals.utc[0][23], arrivals.utc[6][0]) == (1, 1, 1)
    assert (arrivals.local[0][10], arrivals.local[1][8], arrivals.local[6][0]) == (1, 1, 1)
    # Only the Sunday ticket came in while nobody was on shift.
    assert sum(map(sum, arrivals.local_uncovered)) == 1 and arrivals.local_uncovered[6][0] == 1


def test_coverage_shows_the_hours_nobody_covers():
    make_demo_regions()
    coverage = selectors.ticket_arrivals(since=NOW, now=NOW).coverage
    # Monday: APAC 01-10 UTC, EMEA 08-17, AMER 15-24 (Denver 08-17); 00-01 UTC nobody.
    assert coverage[0][0] == []
    assert coverage[0][9] == ["EMEA", "APAC"]
    assert coverage[0][20] == ["AMER"]
    assert all(cell == [] for cell in coverage[5] + coverage[6])  # the weekend
    assert sum(cell == [] for day in coverage for cell in day) == 2 * 24 + 5


def test_layout_scales_colours_to_the_busiest_cell_and_draws_region_strips():
    counts = [[0] * 24 for _ in range(7)]
    counts[0][9], counts[2][14] = 10, 1
    on_shift = [[8 <= h < 17 and d < 5 for h in range(24)] for d in range(7)]
    uncovered = [[not on_shift[d][h] for h in range(24)] for d in range(7)]
    layout = heatmap.layout(counts, uncovered=uncovered, regions=[("EMEA", on_shift)])
    cells = {(c.day, c.hour): c for c in layout.cells}
    assert len(layout.cells) == 7 * 24 and layout.peak == 10
    assert cells[(0, 9)].fill == heatmap.LEVEL_COLORS[5] and cells[(2, 14)].fill == heatmap.LEVEL_COLORS[1]
    assert cells[(1, 3)].fill == heatmap.LEVEL_COLORS[0] and cells[(1, 3)].uncovered
    # One strip per weekday, 08:00 to 17:00.
    assert [(s.x, s.width) for s in layout.strips] == [
        (heatmap.LEFT + 8 * heatmap.CELL_W, 9 * heatmap.CELL_W)
    ] * 5


def test_report_page_draws_both_heatmaps_as_svg_with_table_alternatives(client):
    make_demo_regions()
    arrive(datetime.now(UTC) - timedelta(days=1), "Europe/Paris")
    user = get_user_model().objects.create_user("lead", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    client.force_login(user)
    html = client.get("/en/agents/report/").content.decode()
    assert html.count('<svg class="heatmap"') == 2
    assert html.count('role="img"') >= 2
    assert "When tickets arrive (UTC), with each region&#x27;s hours" in html
    # The report uses today's week (its daylight-saving time): count the gaps the same way.
    coverage = selectors.ticket_arrivals(since=datetime.now(UTC), now=datetime.now(UTC)).coverage
    gaps = sum(cell == [] for day in coverage for cell in day)
    assert f"{gaps} hours a week nobody is on shift (outlined in red)." in html
    assert html.count('<details class="heatmap-table">') == 2
    assert "<title>EMEA</title>" in html


def test_report_page_is_for_staff_only(client):
    assert client.get("/en/agents/report/").status_code == 302
    client.force_login(get_user_model().objects.create_user("someone", password="pw-for-tests-123"))
    assert client.get("/en/agents/report/").status_code == 403


def test_report_page_title_and_sections_appear_once(client):
    make_demo_regions()
    user = get_user_model().objects.create_user("lead", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    client.force_login(user)
    html = client.get("/en/agents/report/").content.decode()
    assert "<title>Support report · Nimbus Cloud</title>" in html
    for heading in ("How did we do? (customer satisfaction)", "Deflection: answered before a ticket"):
        assert html.count(heading) == 1
    assert "css/support.css" in html
