"""Backup and restore (helpcenter/backups.py, `manage.py backup` / `restore`): a backup restored
into an empty database holds every article, translation, revision, ticket and message, row for row.
SQLite in the normal run; PostgreSQL when DATABASE_URL points at it (.ci/run's second pass)."""

import json
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from chatbot.models import Message
from kb.models import Article, SourceRevision, TranslationRecord
from support.models import Ticket, TicketMessage
from support.services import ticket_create
from tests.support.factories import make_demo_regions

ROOT = Path(__file__).resolve().parents[2]
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip (SQLite run)")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL round trip runs when DATABASE_URL is PostgreSQL"
)


def _site(client):
    """The demo help center (articles, translations, revisions) with a ticket and a chat."""
    call_command("load_demo", verbosity=0)
    make_demo_regions()
    ticket_create(
        requester_email="c@example.com",
        subject="VPN",
        message="It drops every hour",
        language="fr",
        source="web",
    )
    response = client.post(
        "/api/chat/conversations", {"language": "en", "timezone": "UTC"}, content_type="application/json"
    )
    client.post(
        f"/api/chat/conversations/{response.json()['id']}/messages",
        {"text": "how do I reset my password"},
        content_type="application/json",
    )
    counts = {
        model.__name__: model.objects.count()
        for model in (Article, TranslationRecord, SourceRevision, Ticket, TicketMessage, Message)
    }
    assert all(counts.values()), counts
    assert Article.objects.exclude(title_fr="").exists()  # translated fields
    return counts


def _tables(cursor, names) -> dict[str, list]:
    found = {}
    for table in names:
        cursor.execute(f'SELECT * FROM "{table}"')
        found[table] = sorted(cursor.fetchall(), key=repr)
    return found


def _source_tables() -> dict[str, list]:
    names = connection.introspection.table_names()
    with connection.cursor() as cursor:
        return _tables(cursor, names)


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_every_row_into_an_empty_database(client, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "uploads").mkdir(parents=True)
    (tmp_path / "media" / "uploads" / "logo.png").write_bytes(b"\x89PNG fake")
    _site(client)
    expected = _source_tables()

    call_command("backup", str(tmp_path / "site.tar"), verbosity=0)
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    restored = tmp_path / "restored.sqlite3"
    call_command("restore", str(tmp_path / "site.tar"), database_url=f"sqlite:///{restored}", verbosity=0)

    # The same converters as Django's connection, so that dates compare as dates.
    target = sqlite3.connect(restored, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        assert _tables(target.cursor(), expected) == expected
    finally:
        target.close()
    assert (tmp_path / "restored-media" / "uploads" / "logo.png").read_bytes() == b"\x89PNG fake"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_every_row_into_an_empty_database(client, tmp_path):
    import psycopg
    from psycopg.types.string import TextLoader

    _site(client)
    expected = _source_tables()
    call_command("backup", str(tmp_path / "site.tar"), verbosity=0)

    source = connection.settings_dict
    name = f"{source['NAME']}_restored_{uuid.uuid4().hex[:6]}"
    server = {
        k: v
        for k, v in {
            "user": source.get("USER"),
            "password": source.get("PASSWORD"),
            "host": source.get("HOST"),
            "port": source.get("PORT"),
        }.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        user = source.get("USER") or ""
        url = f"postgres://{user}@{source.get('HOST') or '127.0.0.1'}:{source.get('PORT') or 5432}/{name}"
        call_command("restore", str(tmp_path / "site.tar"), database_url=url, verbosity=0)
        with psycopg.connect(dbname=name, **server) as restored:
            # JSON as text, as Django's connection reads it.
            restored.adapters.register_loader("jsonb", TextLoader)
            restored.adapters.register_loader("json", TextLoader)
            assert _tables(restored.cursor(), expected) == expected
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore", str(tmp_path / "site.tar"), database_url=url)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def archive(transactional_db, tmp_path):
    call_command("backup", str(tmp_path / "site.tar"), verbosity=0)
    return tmp_path / "site.tar"


@on_sqlite
def test_restore_refuses_a_database_that_is_not_empty(archive, tmp_path):
    target = tmp_path / "live.sqlite3"
    with sqlite3.connect(target) as live:
        live.execute("CREATE TABLE kb_article (id integer)")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive), database_url=f"sqlite:///{target}")


@on_sqlite
def test_restore_refuses_a_damaged_or_foreign_archive(archive, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.tar"), database_url=f"sqlite:///{tmp_path}/a.sqlite3")
    (tmp_path / "junk.tar").write_bytes(b"not a tar file at all" * 50)
    with pytest.raises(CommandError, match="not a backup archive"):
        call_command("restore", str(tmp_path / "junk.tar"), database_url=f"sqlite:///{tmp_path}/a.sqlite3")

    # The database member replaced by other bytes of the same name: its checksum gives it away.
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as original:
        original.extractall(unpacked, filter="data")
    (unpacked / "database.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    with tarfile.open(tmp_path / "damaged.tar", "w") as damaged:
        for name in ("manifest.json", "database.sqlite3"):
            damaged.add(unpacked / name, arcname=name)
    with pytest.raises(CommandError, match="damaged: database.sqlite3"):
        call_command("restore", str(tmp_path / "damaged.tar"), database_url=f"sqlite:///{tmp_path}/b.sqlite3")
    assert not (tmp_path / "b.sqlite3").exists()

    unpacked = tmp_path / "unpacked-again"
    with tarfile.open(archive) as original:
        original.extractall(unpacked, filter="data")
    manifest = json.loads((unpacked / "manifest.json").read_text())
    (unpacked / "manifest.json").write_text(json.dumps({**manifest, "vendor": "postgresql"}))
    with tarfile.open(tmp_path / "foreign.tar", "w") as foreign:
        for name in ("manifest.json", "database.sqlite3"):
            foreign.add(unpacked / name, arcname=name)
    with pytest.raises(CommandError, match="the backup is of a postgresql database, the target is sqlite"):
        call_command("restore", str(tmp_path / "foreign.tar"), database_url=f"sqlite:///{tmp_path}/c.sqlite3")


def test_backup_refuses_to_overwrite_an_archive(archive):
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(archive))


def test_a_bad_restore_exits_non_zero_with_one_line_of_reason(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "missing.tar")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"CommandError: {tmp_path / 'missing.tar'}: no such file"]


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trips_an_uploaded_article_image(tmp_path, settings):
    from django.core.files.storage import storages

    from kb.services import image_upload
    from tests.kb.media_files import png_with_gps

    settings.MEDIA_ROOT = str(tmp_path / "media")
    data = png_with_gps(size=(700, 400))
    image = image_upload(data=data, name="team.png", alt="The team page", language="en")
    files = image.versions.get().files
    originals = {f["name"]: storages["default"].open(f["name"], "rb").read() for f in files}

    call_command("backup", str(tmp_path / "site.tar"), verbosity=0)
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    restored = tmp_path / "restored.sqlite3"
    call_command("restore", str(tmp_path / "site.tar"), database_url=f"sqlite:///{restored}", verbosity=0)

    target = sqlite3.connect(restored)
    try:
        rows = target.execute(
            "SELECT i.key, i.alt_en, v.files FROM kb_articleimage i "
            "JOIN kb_imageversion v ON v.image_id = i.id"
        ).fetchall()
    finally:
        target.close()
    restored_rows = [(key, alt, json.loads(names)) for key, alt, names in rows]
    assert restored_rows == [(image.key, "The team page", files)]
    for name, data in originals.items():
        assert (tmp_path / "restored-media" / name).read_bytes() == data
