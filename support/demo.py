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
    # Exporting and erasing customer data is for whoever handles privacy requests, not every agent.
    agents.permissions.set(
        Permission.objects.filter(content_type__app_label="support").exclude(codename="manage_customer_data")
    )
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
