"""SQLite with a queue for its single write lock.

A transaction here starts with BEGIN IMMEDIATE (helpcenter/settings/base.py), so writers wait for
each other in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … ms between tries: a
writer that could go 0.3 ms after the last one often sleeps 5 or 10 ms instead. Under the chat load
(bench/load_http.py) that left about 40% of the machine idle while customers queued. Writers now
take turns on a lock first: a thread lock within the process, handed over at once, and an advisory
file lock beside the database between processes, tried at a fine interval; SQLite's own timeout
still bounds the wait ("database is locked", which the site answers with a 503).

Nothing changes for readers (WAL), for in-memory databases (tests) or where fcntl is missing.
"""

import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()
FIRST_RETRY_SECONDS = 0.0001
LONGEST_RETRY_SECONDS = 0.001


def _thread_lock(path: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writer_file = None  # this connection's own descriptor: flock is per open file
        self._writer_held = False

    def _queued(self) -> bool:
        # transaction_mode is read from OPTIONS when the connection opens, before any transaction.
        return (
            fcntl is not None
            and getattr(self, "transaction_mode", None) == "IMMEDIATE"
            and not self.is_in_memory_db()
        )

    def _writers_path(self) -> str:
        return f"{self.settings_dict['NAME']}-writers"

    def _take_turn(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        lock = _thread_lock(self._writers_path())
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        try:
            if self._writer_file is None:
                self._writer_file = open(self._writers_path(), "a+b")  # noqa: SIM115 - kept with the connection
            delay = FIRST_RETRY_SECONDS
            while True:
                try:
                    fcntl.flock(self._writer_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError("database is locked") from None
                    time.sleep(delay)
                    delay = min(delay * 2, LONGEST_RETRY_SECONDS)
        except BaseException:
            lock.release()
            raise
        self._writer_held = True

    def _end_turn(self) -> None:
        if not self._writer_held:
            return
        self._writer_held = False
        try:
            fcntl.flock(self._writer_file.fileno(), fcntl.LOCK_UN)
        finally:
            _thread_lock(self._writers_path()).release()

    def _start_transaction_under_autocommit(self):
        if not self._queued():
            return super()._start_transaction_under_autocommit()
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._end_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_turn()
            if self._writer_file is not None:
                self._writer_file.close()
                self._writer_file = None
