"""Who may import whom (docs/architecture.md), read from the source with `ast`, so that a wrong
arrow fails the suite the day it is written:

    helpcenter (the project: settings, URLs, project commands)
      -> mail -> chatbot -> support -> kb -> core
                 `----------------^

- kb imports neither chatbot nor support; support does not import chatbot; core imports no app;
  no app imports the project package `helpcenter`.
- The pure modules (the engines, the rules, the file formats) import no Django at all.
- No module looks up another app's models with `apps.get_model("other", ...)` (migrations excepted:
  their historical models are how a data migration must reach another app)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "kb", "support", "chatbot", "mail")
# What each top-level package may not import.
FORBIDDEN = {
    "core": {"kb", "support", "chatbot", "mail", "helpcenter"},
    "kb": {"support", "chatbot", "mail", "helpcenter"},
    "support": {"chatbot", "mail", "helpcenter"},
    "chatbot": {"mail", "helpcenter"},
    "mail": {"helpcenter"},
}
PURE = (
    "kb/search",
    "kb/translations/rules.py",
    "kb/translations/formats.py",
    "kb/exchange.py",
    "kb/images.py",
    "chatbot/answering.py",
    "chatbot/proposals.py",
    "chatbot/kinds.py",
    "chatbot/policy.py",
    "chatbot/language.py",
    "chatbot/person.py",
    "chatbot/acts.py",
    "support/schedule.py",
    "support/presence.py",
    "support/heatmap.py",
    "support/instants.py",
    "support/placeholders.py",
    "support/searchterms.py",
    "support/zones.py",
    "core/privacy.py",
    "mail/parsing.py",
    "mail/quotes.py",
)


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every module `source` imports, relative imports resolved against `module`."""
    found = []
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append(Import(target, node.lineno))
            # `from . import services` imports a module too.
            found += [
                Import(f"{target}.{alias.name}" if target else alias.name, node.lineno)
                for alias in node.names
            ]
    return found


def other_apps_models(source: str, app: str) -> list[int]:
    """Lines of `apps.get_model("other_app", ...)` / get_model("other_app.Model") calls."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model"
        ):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                label = node.args[0].value.split(".")[0]
                if label != app:
                    lines.append(node.lineno)
    return lines


def violations(path: Path, root: Path = ROOT) -> list[str]:
    relative = path.relative_to(root).as_posix()
    app = relative.split("/")[0]
    source = path.read_text(encoding="utf-8")
    module = module_name(path, root)
    found = []
    pure = any(relative == p or relative.startswith(p + "/") for p in PURE)
    for item in imports_of(source, module, is_package=path.name == "__init__.py"):
        top = item.module.split(".")[0]
        if top in FORBIDDEN.get(app, ()):
            found.append(f"{relative}:{item.line}: {app} imports {item.module}")
        if pure and top == "django":
            found.append(f"{relative}:{item.line}: a pure module imports {item.module}")
    if "/migrations/" not in relative:
        found += [
            f"{relative}:{line}: apps.get_model names another app" for line in other_apps_models(source, app)
        ]
    return found


def _python_files():
    for app in APPS:
        yield from sorted((ROOT / app).rglob("*.py"))


def test_the_apps_import_only_downwards_and_pure_modules_import_no_django():
    problems = [problem for path in _python_files() for problem in violations(path)]
    assert problems == []


def test_every_pure_module_listed_exists():
    for entry in PURE:
        assert (ROOT / entry).exists(), entry


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("kb/views.py", "from chatbot.models import Message\n", "kb imports chatbot.models"),
        ("kb/translations/selectors.py", "from ... import support\n", "kb imports support"),
        ("support/services.py", "import chatbot.services\n", "support imports chatbot.services"),
        ("core/ratelimits.py", "from kb import models\n", "core imports kb"),
        ("chatbot/services.py", "from mail.services import email_receive\n", "chatbot imports mail.services"),
        ("chatbot/views.py", "from helpcenter import ratelimits\n", "chatbot imports helpcenter"),
        ("kb/search/engine.py", "from django.conf import settings\n", "a pure module imports django.conf"),
        ("kb/selectors.py", "apps.get_model('chatbot', 'Message')\n", "get_model names another app"),
    ],
)
def test_the_check_sees_each_kind_of_wrong_arrow(tmp_path, relative, source, expected):
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    assert any(expected in problem for problem in violations(path, tmp_path))


def test_the_check_allows_the_arrows_the_design_has():
    assert imports_of("from ..models import Article\n", "kb.translations.services") == [
        Import("kb.models", 1),
        Import("kb.models.Article", 1),
    ]
    assert other_apps_models("apps.get_model('kb', 'Article')\n", "kb") == []
