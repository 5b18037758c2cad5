"""The support app's settings, read once."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class SupportSettings:
    first_response_time: timedelta
    status_link_max_age: int
    site_url: str
    delivery_max_attempts: int
    contact_rate: str
    webhook_allow_private: bool  # hand-off webhooks may be plain http and on private addresses
    satisfaction_max_age: int  # seconds a satisfaction link and its answer stay open
    reply_address: str  # "support+{token}@example.com"
    mail_domain: str  # the right-hand side of our Message-IDs
    auto_per_address: int
    auto_per_ticket: int
    auto_window: timedelta
    bounce_pause: int
    agent_away_after: timedelta  # without activity on an agents' page
    agent_offline_after: timedelta  # without a heartbeat from any agents' page
    agent_max_chats: int  # an agent's concurrent chats when their profile is new
    staff_poll_rate: str  # polls of an agents' page without WebSockets, per address ("120/m")


@cache
def support_settings() -> SupportSettings:
    return SupportSettings(
        first_response_time=timedelta(hours=settings.HELPCENTER_FIRST_RESPONSE_HOURS),
        status_link_max_age=settings.HELPCENTER_STATUS_LINK_MAX_AGE,
        site_url=settings.HELPCENTER_SITE_URL,
        delivery_max_attempts=settings.HELPCENTER_HANDOFF_MAX_ATTEMPTS,
        contact_rate=settings.HELPCENTER_CONTACT_RATE,
        webhook_allow_private=settings.HELPCENTER_WEBHOOK_ALLOW_PRIVATE,
        satisfaction_max_age=settings.HELPCENTER_SATISFACTION_MAX_AGE,
        reply_address=settings.HELPCENTER_REPLY_ADDRESS,
        mail_domain=settings.HELPCENTER_MAIL_DOMAIN,
        auto_per_address=settings.HELPCENTER_MAIL_AUTO_PER_ADDRESS,
        auto_per_ticket=settings.HELPCENTER_MAIL_AUTO_PER_TICKET,
        auto_window=timedelta(seconds=settings.HELPCENTER_MAIL_AUTO_WINDOW),
        bounce_pause=settings.HELPCENTER_MAIL_BOUNCE_PAUSE,
        agent_away_after=timedelta(seconds=settings.HELPCENTER_AGENT_AWAY_SECONDS),
        agent_offline_after=timedelta(seconds=settings.HELPCENTER_AGENT_OFFLINE_SECONDS),
        agent_max_chats=settings.HELPCENTER_AGENT_MAX_CHATS,
        staff_poll_rate=settings.HELPCENTER_STAFF_POLL_RATE,
    )
