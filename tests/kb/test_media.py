import io
import re

import pytest
from django.core.files.storage import storages
from PIL import Image

from kb import services
from kb.models import ArticleImage, Attachment, ImageVersion
from tests.factories import make_article
from tests.kb.media_files import GPS_IFD, HTML_PAGE, SVG, image_bomb, png, png_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _stored_bytes(name: str) -> bytes:
    with storages["default"].open(name, "rb") as f:
        return f.read()


def test_uploaded_png_with_gps_exif_is_stored_without_it_in_several_widths():
    data = png_with_gps(size=(1800, 1000))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the upload has it
    image = services.image_upload(data=data, name="settings.png", alt="The settings page", language="en")
    version = image.versions.get(language="en")
    assert (version.width, version.height, version.original_format) == (1800, 1000, "PNG")
    widths = sorted({f["width"] for f in version.files})
    assert widths == [480, 960, 1600, 1800]
    assert {f["format"] for f in version.files} >= {"PNG", "WEBP"}
    for entry in version.files:
        stored = Image.open(io.BytesIO(_stored_bytes(entry["name"])))
        assert stored.size == (entry["width"], entry["height"])
        assert stored.format == entry["format"]
        exif = stored.getexif()
        assert dict(exif) == {}
        assert exif.get_ifd(GPS_IFD) == {}
        assert "exif" not in stored.info
        # Content-hashed names: the name changes with the bytes.
        assert re.fullmatch(r"kb/images/[0-9a-f]{24}-\d+w\.(png|jpg|webp|avif)", entry["name"])


def test_uploaded_image_renders_with_srcset_sizes_and_dimensions(client):
    image = services.image_upload(data=png_with_gps(), name="s.png", alt="The settings page", language="en")
    make_article(
        slug="settings",
        translations={"en": {"title": "Settings", "body": f"Open it:\n\n![Settings]({image.reference})\n"}},
    )
    content = client.get("/en/articles/settings/").content.decode()
    img = re.search(r"<img [^>]*>", content.split('class="article-body"')[1]).group(0)
    assert 'width="1800" height="1000"' in img
    assert re.search(r'srcset="[^"]*-480w\.png 480w, [^"]*-960w\.png 960w, [^"]*-1600w\.png 1600w', img)
    assert 'sizes="(min-width: 1040px) 650px' in img
    assert 'alt="The settings page"' in img  # the image's own alt text in the reader's language
    assert '<source type="image/webp" srcset="' in content
    assert "<figure" in content


def test_only_the_first_image_loads_eagerly(client):
    first = services.image_upload(data=png(colour=(1, 2, 3)), name="a.png", alt="First", language="en")
    second = services.image_upload(data=png(colour=(4, 5, 6)), name="b.png", alt="Second", language="en")
    body = f"![First]({first.reference})\n\nText.\n\n![Second]({second.reference})\n"
    make_article(slug="two", translations={"en": {"title": "Two", "body": body}})
    content = client.get("/en/articles/two/").content.decode()
    imgs = re.findall(r"<img [^>]*>", content.split('class="article-body"')[1])
    assert "loading" not in imgs[0] and 'fetchpriority="high"' in imgs[0]
    assert 'loading="lazy"' in imgs[1]


def test_image_file_is_served_with_long_cache_headers(client):
    image = services.image_upload(data=png(), name="a.png", alt="A", language="en")
    entry = image.versions.get().files[0]
    response = client.get(storages["default"].url(entry["name"]))
    assert response.status_code == 200
    assert response["Content-Type"] == entry["type"]
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == _stored_bytes(entry["name"])


def test_media_view_serves_no_attachment_and_no_path_outside_images(client):
    item = services.attachment_upload(data=b"%PDF-1.4\n%%EOF\n", name="guide.pdf")
    assert client.get(f"/media/{item.file}").status_code == 404
    assert client.get("/media/kb/images/../../etc/passwd").status_code == 404


def test_html_file_renamed_png_is_refused_with_a_clear_message():
    with pytest.raises(services.UploadRefused) as refused:
        services.image_upload(data=HTML_PAGE, name="screenshot.png", alt="A screenshot", language="en")
    assert "web page (HTML), not an image" in str(refused.value)
    assert not ArticleImage.objects.exists()


def test_image_bomb_is_refused_with_a_clear_message():
    data = image_bomb()
    assert len(data) < 100_000
    with pytest.raises(services.UploadRefused) as refused:
        services.image_upload(data=data, name="tiny.png", alt="Tiny", language="en")
    assert "more than the 40,000,000 pixels accepted" in str(refused.value)
    assert not ImageVersion.objects.exists()


def test_pixel_and_size_limits_follow_the_settings(settings):
    settings.HELPCENTER_IMAGE_MAX_PIXELS = 1000 * 1000
    with pytest.raises(services.UploadRefused) as refused:
        services.image_upload(data=png(size=(1200, 900)), name="a.png", alt="A", language="en")
    assert "1200 × 900 pixels" in str(refused.value)
    settings.HELPCENTER_UPLOAD_MAX_BYTES = 100
    with pytest.raises(services.UploadRefused) as refused:
        services.image_upload(data=png(size=(10, 10)) + b"\0" * 200, name="a.png", alt="A", language="en")
    assert "the largest accepted is 100" in str(refused.value)


def test_svg_is_refused():
    with pytest.raises(services.UploadRefused) as refused:
        services.image_upload(data=SVG, name="logo.svg", alt="Logo", language="en")
    assert "SVG images are not accepted" in str(refused.value)


def test_image_without_alt_text_is_refused():
    with pytest.raises(services.UploadRefused) as refused:
        services.image_upload(data=png(), name="a.png", alt="  ", language="en")
    assert "alt text" in str(refused.value)


FR_DE = {
    "en": {
        "title": "Invite a teammate",
        "slug": "invite",
        "body": "Click **Invite**:\n\n![The Invite button]({ref})\n",
    },
    "fr": {
        "title": "Inviter un collègue",
        "slug": "inviter",
        "body": "Cliquez sur **Inviter** :\n\n![Le bouton Inviter]({ref})\n",
    },
    "de": {
        "title": "Teammitglied einladen",
        "slug": "einladen",
        "body": "Klicken Sie auf **Einladen**:\n\n![Die Schaltfläche Einladen]({ref})\n",
    },
}


def _article_with_localised_screenshot():
    image = services.image_upload(
        data=png(colour=(10, 10, 200)), name="invite-en.png", alt="The Invite button", language="en"
    )
    services.image_version_upload(
        image=image, language="fr", data=png(colour=(200, 10, 10)), alt="Le bouton Inviter"
    )
    translations = {
        code: {k: v.format(ref=image.reference) for k, v in fields.items()} for code, fields in FR_DE.items()
    }
    make_article(slug="invite", translations=translations)
    return image


def _picture_files(content: str) -> set[str]:
    body = content.split('class="article-body"')[1]
    return set(re.findall(r"kb/images/([0-9a-f]{24})-\d+w", body))


def test_french_article_shows_its_french_screenshot(client):
    image = _article_with_localised_screenshot()
    content = client.get("/fr/articles/inviter/").content.decode()
    french = {f["name"].split("/")[-1][:24] for f in image.versions.get(language="fr").files}
    english = {f["name"].split("/")[-1][:24] for f in image.versions.get(language="en").files}
    assert _picture_files(content) <= french and _picture_files(content)
    assert not _picture_files(content) & english
    assert 'alt="Le bouton Inviter"' in content
    assert "image-note" not in content


def test_german_article_shows_the_english_screenshot_with_a_note(client):
    image = _article_with_localised_screenshot()
    content = client.get("/de/articles/einladen/").content.decode()
    english = {f["name"].split("/")[-1][:24] for f in image.versions.get(language="en").files}
    assert _picture_files(content) and _picture_files(content) <= english
    assert "Bildschirmfoto auf Englisch: noch nicht auf Deutsch verfügbar." in content
    # No German alt text on the image: the one the German body gives.
    assert 'alt="Die Schaltfläche Einladen"' in content


def test_attachment_is_listed_under_the_article_and_downloaded_safely(client):
    item = services.attachment_upload(data=b"%PDF-1.4\n1 0 obj\n%%EOF\n", name="Price list 2026.pdf")
    body = f"See [the price list]({item.reference})."
    make_article(slug="prices", translations={"en": {"title": "Prices", "body": body}})
    content = client.get("/en/articles/prices/").content.decode()
    assert f'href="/en/files/{item.key}/Price_list_2026.pdf"' in content
    assert "application/pdf, 23\xa0bytes" in content
    response = client.get(f"/en/files/{item.key}/Price_list_2026.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Price_list_2026.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_whose_content_is_not_its_type_is_refused():
    with pytest.raises(services.UploadRefused) as refused:
        services.attachment_upload(data=HTML_PAGE, name="report.pdf")
    assert "not a .pdf file" in str(refused.value)
    with pytest.raises(services.UploadRefused) as refused:
        services.attachment_upload(data=HTML_PAGE, name="page.html")
    assert "“.html” are not accepted" in str(refused.value)
    assert not Attachment.objects.exists()
