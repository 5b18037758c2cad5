"""Shared set-up of the live-chat tests: regions, agents with their presence, a customer's chat."""

import json
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from chatbot.models import Conversation, Role
from chatbot.services import conversation_start
from chatbot.views import _owner
from support.models import AgentProfile
from tests.support.factories import make_region

ALWAYS = "Mon-Sun 00:00-24:00"


def agents_group() -> Group:
    group, _created = Group.objects.get_or_create(name="Agents")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="support", codename__in=["view_ticket", "change_ticket"]
        )
    )
    return group


def make_agent(username, region, *, display_name="Camille", online=True, max_chats=3, now=None):
    user = get_user_model().objects.create_user(username, password="pw-for-tests-123", is_staff=True)
    user.groups.add(agents_group())
    if region is not None:
        region.agents.add(user)
    now = now or timezone.now()
    AgentProfile.objects.create(
        user=user,
        display_name=display_name,
        presence="online" if online else "offline",
        last_seen_at=now if online else None,
        last_active_at=now if online else None,
        max_chats=max_chats,
    )
    return user


def live_regions(hours=ALWAYS):
    """EMEA (Dublin, en/fr/de) and AMER (Denver, en/es), both on shift whenever `hours` says."""
    emea = make_region("EMEA", hours=hours, tz="Europe/Dublin", languages=("en", "fr", "de"), order=1)
    amer = make_region("AMER", hours=hours, tz="America/Denver", languages=("en", "es"), order=2)
    return emea, amer


def customer_chat(language="fr", *, client=None, text="Bonjour, ma facture est fausse"):
    """A conversation owned by a fresh owner cookie (set on `client` when given), with one exchange."""
    token = secrets.token_urlsafe(32)
    conversation, _greeting = conversation_start(
        language=language, timezone_name="Europe/Paris", owner=_owner(token)
    )
    conversation.messages.create(role=Role.CUSTOMER, text=text, language=language)
    conversation.messages.create(
        role=Role.BOT,
        text="Voici ce que j'ai trouvé :",
        language=language,
        articles=[
            {
                "id": 1,
                "slug": "billing",
                "title": "Comprendre votre facture",
                "url": "/fr/articles/billing/",
                "snippet": "",
                "score": 1,
                "confidence": 0.9,
            }
        ],
    )
    if client is not None:
        client.cookies["hc_chat"] = token
    return Conversation.objects.get(pk=conversation.pk), token


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")
