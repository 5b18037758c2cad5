"""Instants typed on the command line (`--at` of `regions`, `handoff` and the chatbot's `ask`).
Pure Python."""

from datetime import UTC, datetime


def parse_instant(text: str | None) -> datetime:
    """An ISO-8601 date and time ("2026-11-28T23:00Z"; no offset means UTC), or now if `text` is
    empty. Raises ValueError, with a message to show, for anything else."""
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 date and time (e.g. 2026-11-28T23:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
