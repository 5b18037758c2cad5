"""The support app's share of `manage.py load_demo`: three follow-the-sun regions and an agent
for each."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from .models import AgentProfile, Region

DEMO_REGIONS = [
    # code, name, time zone, languages, hours, holidays, order
    ("AMER", "Americas", "America/Denver", ["en", "es"], "Mon-Fri 08:00-17:00", "US", 1),
    (
        "EMEA",
        "Europe, Middle East & Africa",
        "Europe/Dublin",
        ["en", "fr", "de"],
        "Mon-Fri 08:00-17:00",
        "IE",
        2,
    ),
    ("APAC", "Asia-Pacific", "Asia/Singapore", ["en", "zh-hans", "ja"], "Mon-Fri 09:00-18:00", "SG", 3),
]
# What customers read in their own language (Region.name is translated with modeltranslation).
DEMO_REGION_NAMES = {
    "AMER": {
        "en": "Americas",
        "fr": "Amériques",
        "zh_hans": "美洲",
        "es": "América",
        "de": "Amerika",
        "ja": "南北アメリカ",
    },
    "EMEA": {
        "en": "Europe, Middle East & Africa",
        "fr": "Europe, Moyen-Orient et Afrique",
        "zh_hans": "欧洲、中东和非洲",
        "es": "Europa, Oriente Medio y África",
        "de": "Europa, Naher Osten und Afrika",
        "ja": "ヨーロッパ・中東・アフリカ",
    },
    "APAC": {
        "en": "Asia-Pacific",
        "fr": "Asie-Pacifique",
        "zh_hans": "亚太地区",
        "es": "Asia-Pacífico",
        "de": "Asien-Pazifik",
        "ja": "アジア太平洋",
    },
}
AGENT_PASSWORD = "nimbus-agent"
# What customers read in replies signed by each demo agent (never the login).
DEMO_AGENT_NAMES = {"amer": "Jordan", "emea": "Camille", "apac": "Mei"}


def regions_load_demo() -> list[Region]:
    """The three follow-the-sun demo regions (their hours overlap so hand-offs happen)."""
    regions = []
    for code, name, tz, languages, hours, country, order in DEMO_REGIONS:
        region, _created = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                **{f"name_{lang}": text for lang, text in DEMO_REGION_NAMES[code].items()},
                "timezone": tz,
                "languages": languages,
                "hours": hours,
                "holiday_country": country,
                "order": order,
                "handoff_email": f"{code.lower()}-team@nimbus.example",
            },
        )
        regions.append(region)
    return regions


def agents_load_demo(regions: list[Region]) -> list[str]:
    """One staff account per region ("agent-emea"), in the Agents group with every support
    permission and on its region's team; returns their usernames."""
    agents, _created = Group.objects.get_or_create(name="Agents")
    agents.permissions.set(Permission.objects.filter(content_type__app_label="support"))
    usernames = []
    for region in regions:
        code = region.code.lower()
        agent, _created = get_user_model().objects.get_or_create(
            username=f"agent-{code}", defaults={"email": f"{code}@nimbus.example"}
        )
        agent.is_staff = True
        agent.set_password(AGENT_PASSWORD)
        agent.save()
        agent.groups.add(agents)
        region.agents.add(agent)
        AgentProfile.objects.update_or_create(user=agent, defaults={"display_name": DEMO_AGENT_NAMES[code]})
        usernames.append(agent.username)
    return usernames
