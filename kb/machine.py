"""Machine translation backends, chosen by HELPCENTER_MACHINE_TRANSLATOR (a dotted path to a class).

A backend is any class with `translate(texts, source, target) -> list[str]`. None is configured by
default, so the help center never sends text over the network unless the operator decides to; a
backend for a real service (DeepL, a self-hosted model) implements the same method. Machine output
is always stored as "needs review" (kb/translations/services.py)."""

from collections.abc import Sequence
from typing import Protocol

from django.utils.module_loading import import_string

from .conf import helpcenter_settings


class MachineTranslator(Protocol):
    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[str]: ...


class DummyTranslator:
    """For tests and demonstrations: marks each text with the target language, changes nothing else."""

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        return [f"[{target}] {text}" for text in texts]


def configured_translator() -> MachineTranslator | None:
    """The backend named by HELPCENTER_MACHINE_TRANSLATOR, or None when none is set."""
    path = helpcenter_settings().machine_translator
    return import_string(path)() if path else None
