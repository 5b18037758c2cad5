"""Backups of the whole site: the database (every app's tables) and uploaded media, in one archive.

- SQLite: SQLite's online backup API (Connection.backup), a consistent copy while the site keeps
  running, never a file copy of a live database (which can catch a half-written page or miss the
  WAL file).
- PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`.

An archive is a tar file: `manifest.json` (format, database vendor, when, SHA-256 of each member),
the database file, and `media/` when MEDIA_ROOT has files. A restore checks the archive first and
only restores into an empty database, so a mistyped target cannot overwrite a live site.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections

FORMAT = 1
FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """Why a backup or a restore cannot be done, in one line."""


def _vendor(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if "sqlite3" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"unsupported database engine {engine}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _pg_command(settings_dict: dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump / pg_restore."""
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{command[0]} failed: {lines[-1] if lines else f'exit status {done.returncode}'}")


def _media_root() -> Path | None:
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root) if root else None


def backup(destination: Path, *, alias: str = "default") -> dict:
    """Write a backup archive of database `alias` (and MEDIA_ROOT) to `destination`; its manifest."""
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists")
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a directory")
    connection = connections[alias]
    vendor = _vendor(connection.settings_dict)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as work:
        work = Path(work)
        database = work / FILES[vendor]
        if vendor == "sqlite":
            if connection.in_atomic_block:
                # Its own open write transaction would keep the backup waiting for a lock forever.
                raise BackupError("cannot back up from inside a database transaction")
            connection.ensure_connection()
            target = sqlite3.connect(database)
            try:
                # The whole database in one step, under a read lock: a consistent snapshot even
                # while other processes write (they wait for it; it takes milliseconds per MB).
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            args, env = _pg_command(connection.settings_dict)
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-acl", *args, "--file", str(database)]
                + [connection.settings_dict["NAME"]],
                env,
            )
        members = {database.name: database}
        media = _media_root()
        if media is not None and media.is_dir():
            for path in sorted(p for p in media.rglob("*") if p.is_file()):
                members[f"media/{path.relative_to(media).as_posix()}"] = path
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": database.name,
            "files": {name: _sha256(path) for name, path in members.items()},
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial = work / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            archive.add(work / "manifest.json", arcname="manifest.json")
            for name, path in members.items():
                archive.add(path, arcname=name)
        os.replace(partial, destination)
    return manifest


def read_archive(source: Path, into: Path) -> dict:
    """Unpack the archive `source` into the directory `into` and check it; its manifest."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        with tarfile.open(source, "r") as archive:
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{source} is not a backup archive ({exc})") from None
    try:
        manifest = json.loads((into / "manifest.json").read_text(encoding="utf-8"))
        files, vendor, database = manifest["files"], manifest["vendor"], manifest["database"]
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(f"{source} has no readable manifest: not a backup made by `backup`") from None
    if manifest.get("format") != FORMAT or vendor not in FILES or database not in files:
        raise BackupError(f"{source}: unknown backup format")
    for name, digest in files.items():
        path = into / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{source} is damaged: {name} does not match its checksum")
    return manifest


def _target(database_url: str | None, alias: str) -> dict:
    if database_url:
        try:
            return dj_database_url.parse(database_url)
        except ValueError as exc:
            raise BackupError(f"bad database URL: {exc}") from None
    return dict(connections[alias].settings_dict)


def restore(source: Path, *, database_url: str | None = None, alias: str = "default") -> dict:
    """Restore the archive `source` into an empty database (database `alias`, or `database_url`)
    and its media into MEDIA_ROOT; the archive's manifest."""
    target = _target(database_url, alias)
    vendor = _vendor(target)
    with tempfile.TemporaryDirectory(prefix="restore-") as work:
        work = Path(work)
        manifest = read_archive(source, work)
        if manifest["vendor"] != vendor:
            raise BackupError(f"the backup is of a {manifest['vendor']} database, the target is {vendor}")
        dump = work / manifest["database"]
        if vendor == "sqlite":
            _restore_sqlite(dump, target)
        else:
            _restore_postgresql(dump, target)
        media = work / "media"
        if media.is_dir():
            root = _media_root()
            if root is None:
                raise BackupError("the backup has media files but MEDIA_ROOT is not set")
            shutil.copytree(media, root, dirs_exist_ok=True)
    return manifest


def _restore_sqlite(dump: Path, target: dict) -> None:
    name = str(target["NAME"])
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError(f"cannot restore into the SQLite database {name!r}: give a file")
    if not Path(name).parent.is_dir():
        raise BackupError(f"{Path(name).parent} is not a directory")
    destination = sqlite3.connect(name)
    try:
        tables = destination.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise BackupError(f"{name} is not empty ({tables} tables): restore into a new database")
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            source.backup(destination)
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{name}: {exc}") from None
    finally:
        destination.close()


def _restore_postgresql(dump: Path, target: dict) -> None:
    import psycopg

    conninfo = {
        "dbname": target["NAME"],
        "user": target.get("USER") or None,
        "password": target.get("PASSWORD") or None,
        "host": target.get("HOST") or None,
        "port": target.get("PORT") or None,
    }
    try:
        with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, connect_timeout=10) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to {target['NAME']}: {str(exc).strip().splitlines()[0]}") from None
    if tables:
        raise BackupError(f"database {target['NAME']} is not empty ({tables} tables): restore into a new one")
    args, env = _pg_command(target)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            *args,
            "--dbname",
            target["NAME"],
            str(dump),
        ],
        env,
    )
