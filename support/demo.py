"""The support app's share of `manage.py load_demo`: three follow-the-sun regions and an agent
for each."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from .models import AgentProfile, Region, SavedReply

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


# Each: English title and body, then the same in other languages (a missing one falls back to English).
DEMO_SAVED_REPLIES = [
    (
        None,
        {
            "en": (
                "Password reset link",
                "Hello {customer_name},\n\nYou can choose a new password here: {article:reset-password}\n"
                "The link in the e-mail works once, for 30 minutes.\n\nBest regards,\n{agent_name}",
            ),
            "fr": (
                "Lien de réinitialisation du mot de passe",
                "Bonjour {customer_name},\n\nVous pouvez choisir un nouveau mot de passe ici : "
                "{article:reset-password}\nLe lien reçu par e-mail est valable une fois, pendant 30 "
                "minutes.\n\n"
                "Bien cordialement,\n{agent_name}",
            ),
            "zh-hans": (
                "密码重置链接",
                "{customer_name}，您好：\n\n您可以在这里设置新密码：{article:reset-password}\n"
                "邮件中的链接 30 分钟内有效，且只能使用一次。\n\n祝好，\n{agent_name}",
            ),
            "de": (
                "Link zum Zurücksetzen des Passworts",
                "Hallo {customer_name},\n\nhier können Sie ein neues Passwort festlegen: "
                "{article:reset-password}\nDer Link in der E-Mail ist 30 Minuten lang einmal gültig.\n\n"
                "Viele Grüße\n{agent_name}",
            ),
        },
    ),
    (
        None,
        {
            "en": (
                "We are looking into it",
                "Hello {customer_name},\n\nThank you for your message about {ticket_reference}. We are "
                "looking into it and will write again as soon as we know more.\n\n{agent_name}",
            ),
            "fr": (
                "Nous regardons cela",
                "Bonjour {customer_name},\n\nMerci pour votre message concernant {ticket_reference}. "
                "Nous regardons cela et reviendrons vers vous dès que possible.\n\n{agent_name}",
            ),
            "es": (
                "Lo estamos revisando",
                "Hola, {customer_name}:\n\nGracias por su mensaje sobre {ticket_reference}. Lo estamos "
                "revisando y le escribiremos en cuanto sepamos más.\n\n{agent_name}",
            ),
            "ja": (
                "確認中です",
                "{customer_name} 様\n\n{ticket_reference} についてご連絡いただきありがとうございます。"
                "ただいま確認しておりますので、分かり次第ご連絡いたします。\n\n{agent_name}",
            ),
        },
    ),
    (
        "EMEA",
        {
            "en": (
                "Refund on its way (EMEA)",
                "Hello {customer_name},\n\nYour refund has been issued. SEPA transfers take 3 to 5 "
                "working days to reach your account.\n\n{agent_name}",
            ),
        },
    ),
]


def saved_replies_load_demo() -> int:
    """A few saved replies, shared and for one region, in some languages only (the others show the
    English version, flagged); returns how many there are."""
    from modeltranslation.utils import build_localized_fieldname

    regions = {region.code: region for region in Region.objects.all()}
    for region_code, versions in DEMO_SAVED_REPLIES:
        values = {"region": regions.get(region_code) if region_code else None}
        for language, (title, body) in versions.items():
            values[build_localized_fieldname("title", language)] = title
            values[build_localized_fieldname("body", language)] = body
        SavedReply.objects.update_or_create(title_en=versions["en"][0], defaults=values)
    return len(DEMO_SAVED_REPLIES)
