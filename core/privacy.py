"""Where each app says what it stores about a customer, so one service can export or erase it all.

The apps may not import each other (chatbot -> support -> kb -> core), so the service that runs an
export or an erasure (`support.services.customer_data_export` / `customer_data_erase`) cannot know
chatbot's or kb's tables. Instead each app registers a handler here, in its AppConfig.ready():

    from core import privacy

    class ChatbotConfig(AppConfig):
        def ready(self):
            from .privacy import export, erase
            privacy.register("chat", export=export, erase=erase)

The interface, for every handler:

- `name`: a short, stable key ("chat", "tickets", "article_feedback"); it labels the handler's part of
  an export and of the erasure record. Registering the same name twice replaces the first (Django
  may call ready() more than once in tests).
- `export(email: str) -> list[dict]`: every record the app stores about the customer with that
  address, as JSON-serialisable dicts (str, int, float, bool, None, lists, dicts; datetimes as ISO
  strings). `email` is already normalised: stripped and lower-cased; match addresses
  case-insensitively. Must not change anything.
- `erase(email: str) -> int`: replace the customer's personal text and addresses in place and return
  how many records changed. Keep the rows, counts and timestamps that reports need; never delete a
  row another app points at. It runs inside the caller's transaction (all handlers commit or none),
  so it must not commit, and it must be idempotent: a second erasure of the same address changes
  nothing and returns 0.
- Erasure calls the handlers in reverse registration order (chatbot, then support, then kb): an app
  higher up may find its records through a lower app's (chat conversations through their ticket's
  address), so it must go before the lower app erases that address. Exports use registration order.
- Use `ERASED_TEXT` for replaced text and `erased_address(key)` for a replaced address, so every app
  erases alike and an erased record is recognisable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ERASED_TEXT = "[erased]"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never delivered anywhere


def erased_address(key: object) -> str:
    """A placeholder address for an erased one: valid in an EmailField, delivered nowhere."""
    return f"erased-{key}@{ERASED_DOMAIN}"


def is_erased_address(address: str) -> bool:
    return address.lower().endswith("@" + ERASED_DOMAIN)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def scrub_address(text: str, email: str, replacement: str = ERASED_TEXT) -> str:
    """`text` with every occurrence of `email` (any case) replaced."""
    if not email:
        return text
    return re.sub(re.escape(email), replacement, text, flags=re.IGNORECASE)


@dataclass(frozen=True)
class Handler:
    name: str
    export: Callable[[str], list[dict]]
    erase: Callable[[str], int]


_handlers: dict[str, Handler] = {}


def register(name: str, *, export: Callable[[str], list[dict]], erase: Callable[[str], int]) -> None:
    """Add (or replace) the handler called `name`; see the module docstring for the contract."""
    _handlers[name] = Handler(name=name, export=export, erase=erase)


def handlers() -> list[Handler]:
    """Every registered handler, in registration order (the order of INSTALLED_APPS)."""
    return list(_handlers.values())
