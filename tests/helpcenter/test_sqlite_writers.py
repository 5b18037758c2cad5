"""SQLite writers queue for the write lock (helpcenter.db.sqlite3) instead of sleeping in SQLite's
busy handler: across threads and processes, with SQLite's timeout still bounding the wait."""

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.db import OperationalError, connections
from django.db.utils import load_backend

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="advisory file locks are POSIX")


def _wrapper(path: Path, timeout: float = 20):
    settings = {
        **connections["default"].settings_dict,
        "ENGINE": "helpcenter.db.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": timeout,
            "init_command": "PRAGMA journal_mode=WAL",
        },
    }
    return load_backend("helpcenter.db.sqlite3").DatabaseWrapper(settings, alias="writers-test")


def _write(wrapper, value: str) -> None:
    # What transaction.atomic() does on SQLite: connect, then BEGIN IMMEDIATE under autocommit.
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()
    wrapper.cursor().execute("INSERT INTO log (value) VALUES (%s)", [value])


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    """These tests open their own SQLite files, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "queue.sqlite3"
    setup = _wrapper(path)
    setup.cursor().execute("CREATE TABLE log (id INTEGER PRIMARY KEY, value TEXT)")
    setup.close()
    return path


def _values(path) -> list[str]:
    reader = _wrapper(path)
    try:
        return [row[0] for row in reader.cursor().execute("SELECT value FROM log ORDER BY id").fetchall()]
    finally:
        reader.close()


def test_a_second_writer_waits_for_the_first_to_commit_then_goes(database):
    first = _wrapper(database)
    _write(first, "first")
    started = threading.Event()

    def other_thread():  # a connection of its own, as each request thread has
        second = _wrapper(database)
        started.set()
        _write(second, "second")
        second.commit()
        second.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    started.wait()
    thread.join(timeout=0.3)
    assert thread.is_alive(), "the second writer went while the first held its turn"
    first.cursor().execute("INSERT INTO log (value) VALUES (%s)", ["first again"])
    first.commit()
    thread.join(timeout=10)
    assert not thread.is_alive()
    first.close()
    assert _values(database) == ["first", "first again", "second"]


def test_rollback_and_close_end_a_writers_turn(database):
    first, second = _wrapper(database, timeout=5), _wrapper(database, timeout=5)
    _write(first, "undone")
    first.rollback()
    _write(second, "kept")  # would wait for the timeout if the rollback had kept the turn
    second.commit()
    _write(first, "lost with the connection")
    first.close()
    _write(second, "after close")
    second.commit()
    second.close()
    assert _values(database) == ["kept", "after close"]


def test_writers_in_other_processes_take_turns_too(database):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import os, sys
            os.environ["DJANGO_SETTINGS_MODULE"] = "helpcenter.settings.test"
            sys.path.insert(0, {str(ROOT)!r})
            import django; django.setup()
            from tests.helpcenter.test_sqlite_writers import _wrapper, _write
            from pathlib import Path
            wrapper = _wrapper(Path({str(database)!r}))
            _write(wrapper, "other process")
            print("holding", flush=True)
            sys.stdin.readline()
            wrapper.commit()
            wrapper.close()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        waiting = _wrapper(database, timeout=0.3)
        with pytest.raises(OperationalError, match="database is locked"):
            _write(waiting, "too soon")
        waiting.close()
        done = threading.Event()

        def write_after_the_other():
            mine = _wrapper(database)
            _write(mine, "this process")
            mine.commit()
            mine.close()
            done.set()

        thread = threading.Thread(target=write_after_the_other)
        thread.start()
        assert not done.wait(0.3)
        holder.stdin.write("commit\n")
        holder.stdin.flush()
        thread.join(timeout=10)
        assert done.is_set()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0
    assert _values(database) == ["other process", "this process"]


def test_a_writer_that_never_gets_its_turn_fails_after_the_timeout(database):
    first = _wrapper(database)
    _write(first, "held")
    failed = []

    def other_thread():
        second = _wrapper(database, timeout=0.2)
        try:
            _write(second, "never")
        except OperationalError as error:
            failed.append(str(error))
        second.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=10)
    assert failed == ["database is locked"]
    first.commit()
    first.close()
    # The failed writer kept no turn it never had: another can write now.
    later = _wrapper(database, timeout=0.2)
    _write(later, "later")
    later.commit()
    later.close()
    assert _values(database) == ["held", "later"]


def test_in_memory_databases_are_not_queued():
    wrapper = load_backend("helpcenter.db.sqlite3").DatabaseWrapper(
        {
            **connections["default"].settings_dict,
            "NAME": ":memory:",
            "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        },
        alias="memory",
    )
    wrapper.ensure_connection()
    assert not wrapper._queued()
    wrapper.close()


def test_the_site_uses_the_queued_backend_for_sqlite():
    from django.conf import settings

    if connections["default"].vendor != "sqlite":
        pytest.skip("the suite runs on another database")
    assert settings.DATABASES["default"]["ENGINE"] == "helpcenter.db.sqlite3"
