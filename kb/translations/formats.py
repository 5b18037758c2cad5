"""The files exchanged with translators and agencies, without Django: XLIFF 1.2 and gettext PO. A
file is a Bundle: per article or category, its source-language slug, the source revision its text
is, its state and one unit (source, target) per exchanged field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

import polib
from defusedxml import ElementTree as SafeElementTree

from .rules import EXCHANGED_FIELDS, State


class ExchangeError(ValueError):
    """A translation file that cannot be imported; the message says why, in one line."""


@dataclass(frozen=True)
class Unit:
    field: str
    source: str
    target: str


@dataclass(frozen=True)
class Item:
    """One article or category in a translation file."""

    kind: str  # "article" or "category"
    key: str  # its source-language slug
    revision: int  # the source revision the file's source text is
    state: str
    units: tuple[Unit, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Bundle:
    source_language: str
    target_language: str
    items: tuple[Item, ...]


XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
HC_NS = "urn:x-helpcenter:translation"
ElementTree.register_namespace("", XLIFF_NS)
ElementTree.register_namespace("hc", HC_NS)
# XLIFF 1.2 as translation tools read it (translate-toolkit, under Weblate, Pootle and Virtaal; Okapi):
# a unit counts as translated only when the trans-unit says approved="yes" and its target has text;
# a target without approval is "fuzzy", however its state reads. So a reviewed, current translation is
# approved; an outdated one and a machine's wait for a person (needs-review-translation); and a unit
# with no translation carries no <target> at all, rather than an empty one that claims a state. (A
# field written before the title of a missing translation is a draft: it needs translating.)
_TARGET_STATE = {
    State.MISSING: "needs-translation",
    State.OUTDATED: "needs-review-translation",
    State.NEEDS_REVIEW: "needs-review-translation",
    State.UP_TO_DATE: "translated",
}


def _q(name: str, ns: str = XLIFF_NS) -> str:
    return f"{{{ns}}}{name}"


def write_xliff(bundle: Bundle) -> bytes:
    root = ElementTree.Element(_q("xliff"), {"version": "1.2"})
    file = ElementTree.SubElement(
        root,
        _q("file"),
        {
            "original": "help-center",
            "datatype": "plaintext",
            "source-language": bundle.source_language,
            "target-language": bundle.target_language,
        },
    )
    body = ElementTree.SubElement(file, _q("body"))
    for item in bundle.items:
        group = ElementTree.SubElement(
            body,
            _q("group"),
            {
                "id": f"{item.kind}:{item.key}",
                _q("kind", HC_NS): item.kind,
                _q("key", HC_NS): item.key,
                _q("revision", HC_NS): str(item.revision),
                _q("state", HC_NS): item.state,
            },
        )
        for unit in item.units:
            element = ElementTree.SubElement(
                group,
                _q("trans-unit"),
                {
                    "id": f"{item.kind}:{item.key}:{unit.field}",
                    "resname": unit.field,
                    _q("space", "http://www.w3.org/XML/1998/namespace"): "preserve",
                },
            )
            ElementTree.SubElement(element, _q("source")).text = unit.source
            state = State(item.state)
            if not unit.target.strip():
                continue
            if state == State.UP_TO_DATE:
                element.set("approved", "yes")
            ElementTree.SubElement(element, _q("target"), {"state": _TARGET_STATE[state]}).text = unit.target
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _required(element, name: str, what: str) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        raise ExchangeError(f"{what} has no {name.split('}')[-1]} attribute")
    return value


def read_xliff(data: bytes) -> Bundle:
    try:
        root = SafeElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ExchangeError(f"not well-formed XML ({exc})") from None
    except Exception as exc:  # defusedxml refuses entity expansion and external references
        raise ExchangeError(f"refused XML ({type(exc).__name__})") from None
    if root.tag != _q("xliff"):
        raise ExchangeError("not an XLIFF 1.2 file (the root element is not <xliff>)")
    files = root.findall(_q("file"))
    if len(files) != 1:
        raise ExchangeError("an XLIFF file must hold exactly one <file> element")
    file = files[0]
    source, target = (
        _required(file, "source-language", "<file>"),
        _required(file, "target-language", "<file>"),
    )
    items = []
    for group in file.iter(_q("group")):
        kind = _required(group, _q("kind", HC_NS), "a <group>")
        key = _required(group, _q("key", HC_NS), "a <group>")
        revision = _integer(_required(group, _q("revision", HC_NS), f"group {kind}:{key}"), f"{kind}:{key}")
        units = []
        for element in group.findall(_q("trans-unit")):
            name = _required(element, "resname", f"a unit of {kind}:{key}")
            source_element, target_element = element.find(_q("source")), element.find(_q("target"))
            if source_element is None:
                raise ExchangeError(f"unit {kind}:{key}:{name} has no <source>")
            units.append(
                Unit(name, _text(source_element), _text(target_element) if target_element is not None else "")
            )
        items.append(Item(kind, key, revision, group.get(_q("state", HC_NS), ""), tuple(units)))
    return Bundle(source, target, tuple(items))


def _text(element) -> str:
    # Inline markup is not part of this format: a translator's tool that adds some gets its text kept.
    return "".join(element.itertext())


def _integer(value: str, where: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ExchangeError(f"{where}: the source revision {value!r} is not a number") from None
    if number < 0:
        raise ExchangeError(f"{where}: the source revision {value!r} is negative")
    return number


def write_po(bundle: Bundle) -> bytes:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "help-center",
        "Language": bundle.target_language,
        "X-Source-Language": bundle.source_language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for item in bundle.items:
        for unit in item.units:
            po.append(
                polib.POEntry(
                    msgctxt=f"{item.kind}:{item.key}:{unit.field}",
                    msgid=unit.source,
                    msgstr=unit.target,
                    comment=f"source-revision: {item.revision}\nstate: {item.state}",
                    # The PO convention for "a translator must look at this again".
                    flags=["fuzzy"]
                    if item.state in (State.OUTDATED, State.NEEDS_REVIEW) and unit.target
                    else [],
                )
            )
    return str(po).encode("utf-8")


def read_po(data: bytes) -> Bundle:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExchangeError("a PO file must be UTF-8") from None
    try:
        po = polib.pofile(text, wrapwidth=0)
    except (OSError, ValueError) as exc:
        raise ExchangeError(f"not a valid PO file ({exc})") from None
    target = po.metadata.get("Language", "").strip()
    source = po.metadata.get("X-Source-Language", "").strip()
    if not target or not source:
        raise ExchangeError("the PO header must give Language and X-Source-Language")
    grouped: dict[tuple[str, str], dict] = {}
    for entry in po:
        context = entry.msgctxt or ""
        parts = context.split(":")
        if len(parts) != 3 or not all(parts):
            raise ExchangeError(f"entry {entry.msgid[:40]!r} has no kind:key:field context")
        kind, key, name = parts
        notes = dict(line.split(": ", 1) for line in (entry.comment or "").splitlines() if ": " in line)
        if "source-revision" not in notes:
            raise ExchangeError(f"entry {context} does not say its source revision")
        revision = _integer(notes["source-revision"], context)
        slot = grouped.setdefault(
            (kind, key), {"revision": revision, "state": notes.get("state", ""), "units": []}
        )
        if slot["revision"] != revision:
            raise ExchangeError(f"{kind}:{key} has entries from different source revisions")
        slot["units"].append(Unit(name, entry.msgid, entry.msgstr))
    items = tuple(
        Item(kind, key, v["revision"], v["state"], tuple(v["units"])) for (kind, key), v in grouped.items()
    )
    return Bundle(source, target, items)


FORMATS = {"xliff": (write_xliff, read_xliff), "po": (write_po, read_po)}


def guess_format(name: str, data: bytes) -> str:
    """The format of an uploaded file, from its name or, failing that, its first bytes."""
    lowered = name.lower()
    if lowered.endswith((".xlf", ".xliff", ".xml")):
        return "xliff"
    if lowered.endswith((".po", ".pot")):
        return "po"
    return "xliff" if data.lstrip()[:1] == b"<" else "po"


def read(data: bytes, fmt: str) -> Bundle:
    if fmt not in FORMATS:
        raise ExchangeError(f"unknown format {fmt!r} (xliff or po)")
    return FORMATS[fmt][1](data)


def write(bundle: Bundle, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ExchangeError(f"unknown format {fmt!r} (xliff or po)")
    return FORMATS[fmt][0](bundle)


_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def exchange_text(value: str | None) -> str:
    """Text as it travels in exchange files: line breaks as \n (XML reads \r\n as \n anyway, and
    browsers send \r\n from text areas) and no control characters XML 1.0 cannot carry."""
    return _XML_UNSAFE.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))


def units_of(kind: str, source: dict[str, str], target: dict[str, str]) -> tuple[Unit, ...]:
    """The exchanged units of one article or category (fields with no source text are left out)."""
    return tuple(
        Unit(name, exchange_text(source.get(name)), exchange_text(target.get(name)))
        for name in EXCHANGED_FIELDS[kind]
        if (source.get(name) or "").strip()
    )
