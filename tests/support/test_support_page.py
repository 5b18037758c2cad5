"""The public support hours page, the one-line outlook and the status page, at fixed instants."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from support import notifications, selectors
from support.models import AgentProfile, Ticket
from support.services import ticket_create, ticket_reply
from support.zones import ZoneChoice
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

# Tuesday 22 December 2026, 10:00 UTC: EMEA (Dublin) is on shift, APAC (Singapore) has just
# closed, AMER (Denver) opens at 15:00 UTC; Christmas Day is three days away.
NOW = datetime(2026, 12, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def regions():
    return make_demo_regions()


def page(language: str, zone: str, now: datetime = NOW) -> str:
    with translation.override(language):
        context = selectors.support_page(language=language, zone=ZoneInfo(zone), now=now)
        request = RequestFactory().get(f"/{language}/support/")
        return render_to_string(
            "support/hours.html",
            {**context, "zone": ZoneChoice(zone, "browser"), "timezone_cookie": "hc_tz"},
            request=request,
        )


def make_answered(language: str, hours: list[float], *, now: datetime = NOW) -> None:
    for n, delay in enumerate(hours):
        created = now - timedelta(days=1, minutes=n)
        ticket = ticket_create(
            requester_email=f"c{n}@example.com",
            subject="Question",
            message="…",
            language=language,
            source="web",
            now=created,
        ).ticket
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=created, first_responded_at=created + timedelta(hours=delay)
        )


def test_support_page_in_french_paris_shows_shift_next_opening_and_holiday(regions):
    html = page("fr", "Europe/Paris")
    # The team names in French, the state now, and AMER opening at 16:00 Paris time, in 5 hours.
    assert "Europe, Moyen-Orient et Afrique" in html
    assert "Amériques" in html
    assert "En service" in html
    assert "ouvre dans 5\xa0heures, à 16:00 chez vous (mardi)" in html
    # EMEA's Dublin hours (08:00-17:00) are 09:00-18:00 in Paris.
    assert "09:00–18:00" in html
    assert "Europe/Paris" in html
    # Christmas Day is a public holiday in Ireland, the United States and Singapore.
    assert "Christmas Day" in html
    assert "25 décembre 2026" in html


def test_support_page_in_chinese_shanghai_shows_next_opening_in_local_time(regions):
    html = page("zh-hans", "Asia/Shanghai")
    assert "亚太地区" in html
    # APAC opens Wednesday 09:00 Singapore = 09:00 Shanghai, 15 hours after 18:00 Shanghai.
    assert "15\xa0小时后开始服务，您当地时间 09:00（星期三）" in html
    assert "正在值班" in html  # EMEA
    assert "2026年12月25日" in html


def test_support_page_holidays_named_in_the_readers_language_where_known(regions):
    from support.models import Region

    Region.objects.filter(code="EMEA").update(holiday_country="FR", timezone="Europe/Paris")
    assert "Noël" in page("fr", "Europe/Paris")


def test_wait_is_the_median_first_response_of_the_last_30_days(regions):
    make_answered("fr", [1, 2, 3, 4, 10])
    make_answered("fr", [50], now=NOW - timedelta(days=40))  # too old to count
    outlook = selectors.language_outlook(language="fr", now=NOW)
    assert (outlook.wait.median, outlook.wait.sample) == (timedelta(hours=3), 5)
    with translation.override("fr"):
        parts = notifications.outlook_parts(outlook, ZoneInfo("Europe/Paris"), now=NOW)
    assert parts["wait"] == "Une première réponse prend en général environ 3\xa0heures."


def test_wait_with_too_little_data_says_so(regions):
    make_answered("de", [1, 2, 3, 4])
    outlook = selectors.language_outlook(language="de", now=NOW)
    assert outlook.wait.median is None
    with translation.override("en"):
        parts = notifications.outlook_parts(outlook, ZoneInfo("UTC"), now=NOW)
    assert parts["wait"] == "Too few recent requests to say how long a first reply usually takes."


def test_wait_counts_todays_queue_of_the_answering_region(regions):
    for n in range(2):
        ticket_create(
            requester_email=f"q{n}@example.com",
            subject="Q",
            message="…",
            language="ja",
            source="web",
            now=NOW,
        )
    outlook = selectors.language_outlook(language="ja", now=NOW)
    assert (outlook.region.code, outlook.open_now, outlook.wait.queue) == ("APAC", False, 2)
    with translation.override("en"):
        parts = notifications.outlook_parts(outlook, ZoneInfo("Asia/Tokyo"), now=NOW)
    assert parts["who"] == (
        "Our Asia-Pacific team answers in Japanese next, from 10 a.m. your time (Wednesday), "
        "in about 15\xa0hours."
    )
    assert parts["wait"].endswith("2 requests are waiting for a first reply.")


@pytest.mark.parametrize(
    "cookie", ["../../etc/passwd", "<script>alert(1)</script>", "Mars/Olympus_Mons", "x" * 500]
)
def test_support_page_unknown_or_hostile_zone_falls_back_to_utc_and_says_so(client, regions, cookie):
    client.cookies["hc_tz"] = cookie
    response = client.get("/en/support/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "We did not recognise the time zone we were given, so times are shown in UTC." in html
    # UTC is not the visitor's zone: the page does not call it "your time zone" or "your time".
    assert "Times are shown in your time zone" not in html and "your time (" not in html
    assert "<script>alert(1)" not in html and "Mars/" not in html


def test_support_page_without_javascript_names_the_zone_it_uses(client, regions):
    html = client.get("/fr/support/").content.decode()
    said = "Les heures sont indiquées en UTC : votre navigateur ne nous a pas indiqué son fuseau horaire."
    assert said in html
    assert "votre fuseau horaire :" not in html and "chez vous" not in html


@pytest.mark.parametrize("bad", ["../../etc/passwd", "Mars/Olympus_Mons", "europe/paris "])
def test_a_bad_zone_in_the_address_never_overrides_the_browsers_valid_zone(client, regions, bad):
    client.cookies["hc_tz"] = "Europe/Paris"
    html = client.get("/en/support/", {"tz": bad}).content.decode()
    notice = "We did not recognise the time zone we were given, so times are shown in Europe/Paris"
    assert notice in html
    assert "Times are shown in your time zone: Europe/Paris." in html
    assert "Weekly hours (Europe/Paris)" in html and "UTC" not in html.split('id="by-language"')[1]


def test_the_zone_picker_lists_cities_with_their_offsets(client, regions):
    html = client.get("/en/support/").content.decode()
    assert 'list="zone-options"' in html
    # Offsets as they are today (summer time or not).
    assert re.search(r'<option value="Europe/Paris" label="Paris \(UTC\+0[12]:00\) · Europe/Paris">', html)
    assert '<option value="America/Sao_Paulo" label="Sao Paulo (UTC−03:00) · America/Sao_Paulo">' in html
    assert "Etc/GMT" not in html


def test_support_page_zone_from_the_browser_cookie_or_the_form(client, regions):
    client.cookies["hc_tz"] = "Asia/Tokyo"
    assert "(Asia/Tokyo)" in client.get("/en/support/").content.decode()
    assert "(America/Denver)" in client.get("/en/support/?tz=America/Denver").content.decode()


def test_support_page_is_cached_per_language_and_zone(client, regions):
    client.cookies["hc_tz"] = "Europe/Paris"
    first = client.get("/en/support/")
    again = client.get("/en/support/")
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    client.cookies["hc_tz"] = "Asia/Tokyo"
    other = client.get("/en/support/")
    assert other["X-Page-Cache"] == "miss"
    assert "Asia/Tokyo" in other.content.decode()
    assert client.get("/fr/support/")["X-Page-Cache"] == "miss"


def test_support_page_cache_forgets_a_region_change(client, regions):
    from support.models import Region

    client.get("/en/support/")
    Region.objects.filter(code="AMER").update(name_en="The Americas")
    response = client.get("/en/support/")
    assert response["X-Page-Cache"] == "miss"
    assert "The Americas" in response.content.decode()


def test_footer_and_contact_page_link_to_the_support_page(client, regions):
    html = client.get("/fr/contact/").content.decode()
    assert 'href="/fr/support/"' in html
    # The one line: who answers in French, when, the usual wait.
    assert "Europe, Moyen-Orient et Afrique" in html


def test_status_page_names_the_agent_never_the_login_and_uses_the_customers_zone(client, regions):
    agent = get_user_model().objects.create_user("agent-emea-login", is_staff=True)
    AgentProfile.objects.create(user=agent, display_name="Camille")
    bare = get_user_model().objects.create_user("agent-bare-login", is_staff=True)
    ticket = ticket_create(
        requester_email="c@example.com",
        subject="Facture",
        message="Bonjour",
        language="fr",
        customer_timezone="Asia/Tokyo",
        source="web",
        now=NOW,
    ).ticket
    ticket_reply(ticket=ticket, author=agent, body="Bonjour !", public=True, now=NOW)
    ticket_reply(ticket=ticket, author=bare, body="Suite", public=True, now=NOW)
    html = client.get(f"/fr/requests/{notifications.status_token(ticket)}/").content.decode()
    assert "Camille" in html
    assert "agent-emea-login" not in html and "agent-bare-login" not in html
    assert "Asia/Tokyo" in html
    assert "Europe, Moyen-Orient et Afrique" in html


def test_reply_email_is_signed_with_the_display_name_and_translated_region(
    regions, django_capture_on_commit_callbacks, mailoutbox
):
    agent = get_user_model().objects.create_user("agent-emea-login", is_staff=True)
    AgentProfile.objects.create(user=agent, display_name="Camille")
    ticket = ticket_create(
        requester_email="c@example.com",
        subject="Facture",
        message="Bonjour",
        language="fr",
        source="web",
        now=NOW,
    ).ticket
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=agent, body="Bonjour !", public=True, now=NOW)
    body = mailoutbox[-1].body
    assert "Camille" in body and "agent-emea-login" not in body
    assert "Europe, Moyen-Orient et Afrique" in body


def test_ticket_created_email_names_the_team_in_the_customers_language(
    regions, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(
            requester_email="c@example.com",
            subject="问题",
            message="你好",
            language="zh-hans",
            source="web",
            now=NOW,
        )
    assert "亚太地区" in mailoutbox[-1].body
    assert "Asia-Pacific" not in mailoutbox[-1].body


def test_support_page_queries_do_not_grow_with_the_number_of_regions(client, settings):
    settings.HELPCENTER_CONTENT_VERSION_TTL = 0  # the help center's version is read on every request
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.support.factories import make_region

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/support/?tz=UTC").status_code == 200
        return len(captured)

    make_region("ONE", languages=("en",))
    one = queries()
    make_region("TWO", languages=("fr",), tz="Europe/Paris")
    make_region("THREE", languages=("ja",), tz="Asia/Tokyo")
    from django.core.cache import cache

    cache.clear()
    assert queries() == one


def test_support_and_contact_pages_without_any_region_say_so_without_failing(client):
    html = client.get("/en/support/").content.decode()
    assert "No support team is set up yet." in html
    assert client.get("/en/contact/").status_code == 200


def test_a_shift_past_the_visitors_midnight_is_one_piece_on_the_day_it_starts(regions):
    # AMER (Denver 08:00-17:00) is 16:00-01:00 in Paris: one piece, not 16:00-24:00 + 00:00-01:00.
    html = page("en", "Europe/Paris")
    assert '<span class="hours-piece">16:00–01:00</span>' in html
    assert "00:00–01:00" not in html and "16:00–24:00" not in html
