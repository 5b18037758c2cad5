"""Uploads in the editors' workflow: alt texts and captions in the XLIFF/PO files, the coverage
dashboard's images to localise, deletion refused while used, history restores, the editor's
preview and upload endpoints."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kb import services
from kb.models import ArticleImage, Attachment
from kb.services import content_save
from kb.translations import formats
from kb.translations.permissions import codename
from kb.translations.selectors import translations_export
from kb.translations.services import translations_import, version_restore
from tests.factories import make_article, make_staff
from tests.kb.media_files import HTML_PAGE, image_bomb, png, png_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _editor():
    return make_staff(
        username="editor",
        permissions=(
            "kb.change_article",
            "kb.view_article",
            "kb.delete_articleimage",
            "kb.view_articleimage",
        ),
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _image(alt="The Invite button", caption="Top right of the Team page"):
    image = services.image_upload(data=png(), name="invite.png", alt=alt, language="en")
    image.caption_en = caption
    image.save()
    return image


FRENCH = {"alt": "Le bouton Inviter", "caption": "En haut à droite"}


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_alt_text_and_caption_round_trip_through_the_exchange_files(fmt):
    image = _image()
    bundle = translations_export(language="fr")
    item = next(i for i in bundle.items if i.kind == "image")
    assert item.key == image.key and item.state == "missing"
    assert [(u.field, u.source, u.target) for u in item.units] == [
        ("alt", "The Invite button", ""),
        ("caption", "Top right of the Team page", ""),
    ]
    data = formats.write(bundle, fmt)
    # The translator's tool fills the targets.
    translated = formats.Bundle(
        bundle.source_language,
        "fr",
        tuple(
            formats.Item(
                i.kind,
                i.key,
                i.revision,
                i.state,
                tuple(formats.Unit(u.field, u.source, FRENCH[u.field]) for u in i.units),
            )
            for i in formats.read(data, fmt).items
            if i.kind == "image"
        ),
    )
    summary = translations_import(bundle=formats.read(formats.write(translated, fmt), fmt))
    assert summary.updated == [f"image:{image.key}"]
    image.refresh_from_db()
    assert (image.alt_fr, image.caption_fr) == ("Le bouton Inviter", "En haut à droite")
    again = next(i for i in translations_export(language="fr").items if i.kind == "image")
    assert again.state == "up_to_date" and again.units[0].target == "Le bouton Inviter"


def test_xliff_of_an_image_carries_its_alt_text_as_a_unit():
    image = _image()
    xliff = formats.write(translations_export(language="de"), "xliff").decode()
    assert f'id="image:{image.key}:alt"' in xliff and "<source>The Invite button</source>" in xliff


def test_import_of_an_unknown_image_is_refused():
    bundle = formats.Bundle("en", "fr", (formats.Item("image", "nosuchkey", 0, "missing", ()),))
    with pytest.raises(Exception, match="unknown image 'nosuchkey'"):
        translations_import(bundle=bundle)


def test_coverage_dashboard_lists_images_without_a_localised_version():
    image = _image()
    make_article(slug="invite", translations={"en": {"title": "Invite", "body": f"![x]({image.reference})"}})
    services.image_version_upload(image=image, language="fr", data=png(colour=(9, 9, 9)))
    client = _client(_editor())
    page = client.get("/admin/kb/article/translations/?language=de").content.decode()
    assert "Images still showing the source screenshot" in page
    assert f"/admin/kb/articleimage/{image.pk}/change/" in page
    french = client.get("/admin/kb/article/translations/?language=fr").content.decode()
    assert f"/admin/kb/articleimage/{image.pk}/change/" not in french


def test_deleting_an_image_used_by_a_published_article_is_refused_with_the_articles():
    image = _image()
    make_article(
        slug="invite",
        translations={"en": {"title": "Invite a teammate", "body": f"![Invite]({image.reference})"}},
    )
    with pytest.raises(services.MediaInUse) as refused:
        services.media_delete(item=image)
    assert [str(use.article) for use in refused.value.uses] == ["Invite a teammate"]
    client = _client(_editor())
    page = client.get(f"/admin/kb/articleimage/{image.pk}/delete/").content.decode()
    assert "Invite a teammate (published): en" in page
    response = client.post(f"/admin/kb/articleimage/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the protected page again, nothing deleted
    assert ArticleImage.objects.filter(pk=image.pk).exists()


def test_history_keeps_the_images_a_version_referenced_and_restore_brings_them_back(client):
    image = _image()
    article = make_article(
        slug="invite",
        translations={"en": {"title": "Invite", "body": f"Step one.\n\n![Invite]({image.reference})"}},
    )
    article.body_en = "Step one, no picture any more."
    content_save(obj=article)
    unused = services_unused()
    assert unused == [(image.key, True)]  # reported, still used by the history
    with pytest.raises(services.MediaInUse) as refused:
        services.media_delete(item=image)
    assert refused.value.uses[0].versions == ("en r1",)
    editor = _editor()
    version_restore(obj=article, language="en", number=1, user=editor)
    content = client.get("/en/articles/invite/").content.decode()
    assert re.search(r'<img src="/media/kb/images/[0-9a-f]{24}-\d+w\.png"', content)
    assert services_unused() == []


def services_unused():
    from kb.selectors import unused_uploads

    return [(u.item.key, u.in_history) for u in unused_uploads()]


def test_an_upload_no_text_ever_used_is_reported_and_can_be_deleted(django_capture_on_commit_callbacks):
    image = _image()
    client = _client(_editor())
    page = client.get("/admin/kb/articleimage/unused/").content.decode()
    assert "invite.png" in page and "not used anywhere" in page
    names = [f["name"] for f in image.versions.get().files]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/kb/articleimage/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ArticleImage.objects.exists()
    from django.core.files.storage import storages

    assert not any(storages["default"].exists(name) for name in names)


def test_editor_preview_renders_with_the_sites_renderer_for_staff_only():
    image = _image()
    text = f"**Bold**\n\n![Invite]({image.reference})\n\n<script>alert(1)</script>"
    client = _client(_editor())
    client_csrf = Client(enforce_csrf_checks=True)
    client_csrf.force_login(_editor_again())
    no_token = client_csrf.post("/admin/kb/article/editor/preview/", {"text": text, "language": "en"})
    assert no_token.status_code == 403
    response = client.post("/admin/kb/article/editor/preview/", {"text": text, "language": "fr"})
    html = response.json()["html"]
    assert "<strong>Bold</strong>" in html and "<picture>" in html and "<script" not in html
    anonymous = Client().post("/admin/kb/article/editor/preview/", {"text": text, "language": "en"})
    assert anonymous.status_code == 302  # to the sign-in page
    agent = _client(make_staff(username="agent"))
    assert agent.post("/admin/kb/article/editor/preview/", {"text": "x", "language": "en"}).status_code == 403


def _editor_again():
    return make_staff(username="editor2", permissions=("kb.change_article",))


def test_editor_upload_stores_an_image_and_returns_its_reference():
    client = _client(_editor())
    upload = SimpleUploadedFile("shot.png", png_with_gps(), content_type="image/png")
    response = client.post(
        "/admin/kb/article/editor/upload/", {"file": upload, "alt": "The Team page", "language": "en"}
    )
    assert response.status_code == 200
    image = ArticleImage.objects.get()
    markdown = f"![The Team page](image:{image.key})"
    assert response.json() == {"kind": "image", "key": image.key, "markdown": markdown}


def test_editor_upload_refuses_an_html_file_named_png_with_its_reason():
    client = _client(_editor())
    upload = SimpleUploadedFile("shot.png", HTML_PAGE, content_type="image/png")
    response = client.post("/admin/kb/article/editor/upload/", {"file": upload, "alt": "x", "language": "en"})
    assert response.status_code == 400
    assert "web page (HTML), not an image" in response.json()["error"]


def test_editor_upload_of_a_pdf_is_an_attachment():
    client = _client(_editor())
    upload = SimpleUploadedFile("guide.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    response = client.post("/admin/kb/article/editor/upload/", {"file": upload, "language": "en"})
    item = Attachment.objects.get()
    assert response.json()["markdown"] == f"[guide.pdf](attachment:{item.key})"


def test_french_translator_uploads_in_french_only():
    translator = make_staff(username="tr-fr", permissions=(f"kb.{codename('translate', 'fr')}",))
    client = _client(translator)
    ok = client.post(
        "/admin/kb/article/editor/upload/",
        {"file": SimpleUploadedFile("a.png", png()), "alt": "Le bouton", "language": "fr"},
    )
    assert ok.status_code == 200
    image = ArticleImage.objects.get()
    assert image.alt_fr == "Le bouton" and {v.language for v in image.versions.all()} == {"en", "fr"}
    refused = client.post(
        "/admin/kb/article/editor/upload/",
        {"file": SimpleUploadedFile("a.png", png()), "alt": "x", "language": "de"},
    )
    assert refused.status_code == 403


def test_every_language_tab_and_the_translator_page_have_the_editor():
    article = make_article(slug="invite", translations={"en": {"title": "Invite", "body": "Hello"}})
    client = _client(_editor())
    page = client.get(f"/admin/kb/article/{article.pk}/change/").content.decode()
    for field in ("body_en", "body_fr", "body_zh_hans", "body_es", "body_de", "body_ja"):
        tag = re.search(rf'<textarea[^>]*name="{field}"[^>]*>', page).group(0)
        assert "data-markdown-editor" in tag
    assert 'data-language="zh-hans"' in page
    assert "/static/vendor/easymde/easymde.min.js" in page and "/static/kb/editor.js" in page
    translator = make_staff(username="tr-fr", permissions=(f"kb.{codename('translate', 'fr')}",))
    page = _client(translator).get(f"/admin/kb/article/{article.pk}/translate/fr/").content.decode()
    assert re.search(r'<textarea[^>]*data-markdown-editor[^>]*data-language="fr"', page) or (
        'data-language="fr"' in page and "data-markdown-editor" in page
    )
    assert "/static/kb/editor.js" in page
    texts = json.loads(
        re.search(r'data-texts="([^"]*)"', page).group(1).replace("&quot;", '"').replace("&#x27;", "'")
    )
    assert "alt" in texts


def test_article_export_and_import_carry_the_images_and_files(tmp_path, settings):
    from django.core.management import call_command

    image = _image()
    services.image_version_upload(image=image, language="fr", data=png(colour=(5, 50, 5)), alt="Le bouton")
    item = services.attachment_upload(data=b"%PDF-1.4\n%%EOF\n", name="guide.pdf")
    body = f"![Invite]({image.reference})\n\n[Guide]({item.reference})"
    make_article(slug="invite", translations={"en": {"title": "Invite", "body": body}})
    exported = tmp_path / "articles.jsonl"
    call_command("export_articles", str(exported), verbosity=0)
    line = json.loads(exported.read_text())
    assert [m["reference"] for m in line["media"]] == [image.reference, item.reference]
    assert line["media"][0]["alt"] == {"en": "The Invite button", "fr": "Le bouton"}

    # Another site: an empty database and an empty media folder.
    ArticleImage.objects.all().delete()
    Attachment.objects.all().delete()
    from kb.models import Article

    Article.objects.all().delete()
    settings.MEDIA_ROOT = str(tmp_path / "other-media")
    call_command("import_articles", str(exported), verbosity=0)
    copied = ArticleImage.objects.get(key=image.key)
    assert copied.alt_fr == "Le bouton" and {v.language for v in copied.versions.all()} == {"en", "fr"}
    assert Attachment.objects.get(key=item.key).name == "guide.pdf"
    from django.core.files.storage import storages

    assert all(storages["default"].exists(f["name"]) for f in copied.versions.get(language="fr").files)


def test_article_import_with_a_bad_image_imports_nothing(tmp_path):
    from django.core.management import CommandError, call_command

    line = {
        "slug": "invite",
        "category": "team",
        "translations": {"en": {"title": "Invite", "body": "![x](image:abcdefgh)"}},
        "media": [
            {
                "reference": "image:abcdefgh",
                "name": "x.png",
                "alt": {"en": "X"},
                "files": {"en": __import__("base64").b64encode(HTML_PAGE).decode()},
            }
        ],
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line))
    with pytest.raises(CommandError, match="image:abcdefgh: This file is a web page"):
        call_command("import_articles", str(path), verbosity=0)
    from kb.models import Article

    assert not Article.objects.exists() and not ArticleImage.objects.exists()


def test_translator_uploads_the_french_version_of_an_articles_screenshot_on_their_page(client):
    image = _image()
    article = make_article(
        slug="invite", translations={"en": {"title": "Invite", "body": f"![Invite]({image.reference})"}}
    )
    translator = make_staff(username="tr-fr", permissions=(f"kb.{codename('translate', 'fr')}",))
    translator_client = _client(translator)
    url = f"/admin/kb/article/{article.pk}/translate/fr/"
    page = translator_client.get(url).content.decode()
    assert "Screenshots in this article" in page and "shows the source screenshot" in page
    response = translator_client.post(
        url,
        {
            "action": "image_version",
            "image": image.key,
            "file": SimpleUploadedFile("fr.png", png(colour=(1, 99, 1))),
            "alt": "Le bouton Inviter",
        },
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.alt_fr == "Le bouton Inviter"
    assert {v.language for v in image.versions.all()} == {"en", "fr"}
    refused = translator_client.post(
        url, {"action": "image_version", "image": image.key, "file": SimpleUploadedFile("x.png", HTML_PAGE)}
    )
    assert refused.status_code == 302
    assert "web page (HTML)" in translator_client.get(url).content.decode()
    other = make_staff(username="tr-de", permissions=(f"kb.{codename('translate', 'de')}",))
    assert _client(other).post(url, {"action": "image_version", "image": image.key}).status_code == 403


def _admin_add_form(file, alt="The console"):
    data = {"name": "console.png", "new_file": file, "new_file_language": "en"}
    for code in ("en", "fr", "zh_hans", "es", "de", "ja"):
        data[f"alt_{code}"] = alt if code == "en" else ""
        data[f"caption_{code}"] = ""
    return data


def test_admin_adds_an_image_from_a_file_and_refuses_a_bomb_with_its_reason():
    client = _client(
        make_staff(
            username="chief",
            permissions=("kb.add_articleimage", "kb.change_articleimage", "kb.view_articleimage"),
        )
    )
    response = client.post(
        "/admin/kb/articleimage/add/", _admin_add_form(SimpleUploadedFile("console.png", png_with_gps()))
    )
    assert response.status_code == 302
    image = ArticleImage.objects.get()
    assert image.alt_en == "The console" and image.versions.get().width == 1800
    bomb = SimpleUploadedFile("b.png", image_bomb())
    refused = client.post("/admin/kb/articleimage/add/", _admin_add_form(bomb))
    assert refused.status_code == 200
    assert "more than the 40,000,000 pixels accepted" in refused.content.decode()
    assert ArticleImage.objects.count() == 1


def test_editor_upload_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.HELPCENTER_UPLOAD_MAX_BYTES = 1000
    client = _client(_editor())
    upload = SimpleUploadedFile("big.png", png(size=(400, 400)) + b"\0" * 2000)
    response = client.post("/admin/kb/article/editor/upload/", {"file": upload, "alt": "x", "language": "en"})
    assert response.status_code == 400
    assert "the largest accepted is 1000" in response.json()["error"]
