"""The demo's screenshots: three pictures of the (fictional) Nimbus console for "Create your first
instance", drawn here with Pillow so that the repository holds no binary, each in English and in
French; German has none of its own, so the German article shows the English ones with a note."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw, ImageFont

from ..models import ArticleImage
from ..services import image_upload, image_version_upload

WIDTH, HEIGHT = 1600, 900
INK, MUTED, LINE, ACCENT, HIGHLIGHT = (
    (22, 30, 46),
    (90, 100, 120),
    (214, 220, 230),
    (37, 99, 235),
    (220, 38, 38),
)

# key -> per language: (page title, table rows, button label, alt text); keys appear in articles.jsonl.
SCREENSHOTS = {
    "demoInstances": {
        "en": (
            "Compute › Instances",
            ["web-1   eu-west   Running", "db-1    eu-west   Running"],
            "Create instance",
            "The Instances page of the console, with the Create instance button at the top right",
        ),
        "fr": (
            "Calcul › Instances",
            ["web-1   eu-west   En marche", "db-1    eu-west   En marche"],
            "Créer une instance",
            "La page Instances de la console, avec le bouton Créer une instance en haut à droite",
        ),
    },
    "demoCreateForm": {
        "en": (
            "Create instance",
            [
                "Region:  eu-west (Paris)",
                "Image:   Ubuntu 24.04",
                "Size:    1 vCPU, 2 GB",
                "SSH key: my-laptop",
            ],
            "Create",
            "The Create instance form with region, image, size and SSH key filled in",
        ),
        "fr": (
            "Créer une instance",
            [
                "Région : eu-west (Paris)",
                "Image : Ubuntu 24.04",
                "Taille : 1 vCPU, 2 Go",
                "Clé SSH : mon-portable",
            ],
            "Créer",
            "Le formulaire Créer une instance avec la région, l’image, la taille et la clé SSH remplies",
        ),
    },
    "demoRunning": {
        "en": (
            "Compute › Instances › web-1",
            ["Status:  Running", "Address: 203.0.113.10", "Region:  eu-west"],
            "Connect",
            "The new instance web-1 with its status Running and its public address",
        ),
        "fr": (
            "Calcul › Instances › web-1",
            ["Statut : En marche", "Adresse : 203.0.113.10", "Région : eu-west"],
            "Se connecter",
            "La nouvelle instance web-1, au statut En marche, avec son adresse publique",
        ),
    },
}


def _font(size: int):
    # DejaVu (most Linux systems) has the accented letters of the French pictures; Pillow's own
    # font, the fallback, draws them as boxes.
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


MENU = {
    "en": ("Compute", "Networking", "Storage", "Billing", "Team"),
    "fr": ("Calcul", "Réseau", "Stockage", "Facturation", "Équipe"),
}


@functools.cache
def draw_console(title: str, rows: tuple[str, ...], button: str, language: str = "en") -> bytes:
    """A console page: top bar, side menu, a title, rows of a table and a button circled in red."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 248, 251))
    d = ImageDraw.Draw(image)
    d.rectangle((0, 0, WIDTH, 72), fill=INK)
    d.text((32, 20), "Nimbus Console", font=_font(30), fill=(255, 255, 255))
    d.rectangle((0, 72, 280, HEIGHT), fill=(235, 239, 245))
    for i, item in enumerate(MENU[language]):
        d.text((32, 110 + i * 56), item, font=_font(24), fill=ACCENT if i == 0 else MUTED)
    d.text((330, 110), title, font=_font(38), fill=INK)
    d.rounded_rectangle(
        (330, 190, WIDTH - 50, 190 + 80 * len(rows) + 20), radius=12, fill=(255, 255, 255), outline=LINE
    )
    for i, row in enumerate(rows):
        y = 215 + i * 80
        d.text((360, y), row, font=_font(28), fill=INK)
        if i:
            d.line((350, y - 18, WIDTH - 70, y - 18), fill=LINE, width=2)
    box = (WIDTH - 400, 100, WIDTH - 60, 160)
    d.rounded_rectangle(box, radius=10, fill=ACCENT)
    d.text((box[0] + 24, box[1] + 14), button, font=_font(28), fill=(255, 255, 255))
    d.rounded_rectangle(
        (box[0] - 12, box[1] - 12, box[2] + 12, box[3] + 12), radius=16, outline=HIGHLIGHT, width=6
    )
    # Stored at 1280 pixels (three widths, not four): loading the demo stays quick.
    image = image.resize((1280, 720), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def demo_images_load(*, user=None) -> int:
    """The demo screenshots (skipped when they exist already); how many were created."""
    created = 0
    for key, versions in SCREENSHOTS.items():
        if ArticleImage.objects.filter(key=key).exists():
            continue
        title, rows, button, alt = versions["en"]
        picture = draw_console(title, tuple(rows), button, "en")
        image = image_upload(data=picture, name=f"{key}.png", alt=alt, language="en", user=user)
        ArticleImage.objects.filter(pk=image.pk).update(key=key)
        image.refresh_from_db()
        for language, (title, rows, button, alt) in versions.items():
            if language != "en":
                picture = draw_console(title, tuple(rows), button, language)
                image_version_upload(image=image, language=language, data=picture, alt=alt, user=user)
        created += 1
    return created
