"""The XLIFF export as translation tools read it: translate-toolkit (the library under Weblate, Pootle
and Virtaal) counts units as translated, fuzzy or untranslated from `approved` and the target; those
counts must agree with the coverage dashboard, and a file the toolkit edited and saved imports back."""

import io

import pytest
from translate.storage import xliff
from translate.tools.pocount import calcstats

from kb.models import Article
from kb.services import content_save
from kb.translations import formats
from kb.translations.rules import State
from kb.translations.selectors import translation_coverage, translation_status, translations_export
from kb.translations.services import translation_machine_translate, translations_import
from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


def _help_center_in_every_state():
    """French: one article in each state, categories up to date and missing, and partial translations
    (no French slug, no French summary), the cases the tools used to miscount."""
    billing = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    make_category(slug="account", names={"en": "Account"})
    make_article(
        slug="up-to-date",
        category=billing,
        translations={
            "en": {"title": "Refunds", "summary": "Money back.", "body": "Ask us.", "questions": ["refund?"]},
            # No French slug or summary: those units are untranslated, the article is still up to date.
            "fr": {"title": "Remboursements", "body": "Demandez-nous.", "questions": ["remboursement ?"]},
        },
    )
    outdated = make_article(
        slug="outdated",
        category=billing,
        translations={
            "en": {"title": "Invoices", "body": "Download them."},
            "fr": {"title": "Factures", "slug": "factures", "body": "Téléchargez-les."},
        },
    )
    outdated.body_en = "Download them from the billing page."
    content_save(obj=outdated)
    machine = make_article(slug="machine", category=billing, translations={"en": {"title": "Taxes"}})
    make_article(slug="missing", category=billing, translations={"en": {"title": "Receipts", "body": "x"}})
    return machine


@pytest.fixture
def french_xliff():
    machine = _help_center_in_every_state()
    translation_machine_translate(obj=machine, language="fr")
    assert translation_status(obj=machine, language="fr").state == State.NEEDS_REVIEW
    return formats.write(translations_export(language="fr"), "xliff")


def _store(data: bytes) -> xliff.xlifffile:
    return xliff.xlifffile.parsestring(data)


def _tool_state(unit) -> str:
    if unit.istranslated():
        return "translated"
    return "fuzzy" if unit.isfuzzy() and unit.target else "untranslated"


def test_translate_toolkit_counts_items_as_the_dashboard_does(french_xliff):
    store = _store(french_xliff)
    # Each article or category is one group; its title (name) unit carries the item's state.
    by_item = {
        unit.xmlelement.get("id").rsplit(":", 1)[0]: _tool_state(unit)
        for unit in store.units
        if unit.xmlelement.get("resname") in ("title", "name")
    }
    counted = {
        state: list(by_item.values()).count(state) for state in ("translated", "fuzzy", "untranslated")
    }
    coverage = translation_coverage(languages=["fr"])[0].counts
    assert coverage == {"up_to_date": 2, "outdated": 1, "needs_review": 1, "missing": 2}
    assert counted == {
        "translated": coverage.get("up_to_date", 0),
        "fuzzy": coverage.get("outdated", 0) + coverage.get("needs_review", 0),
        "untranslated": coverage.get("missing", 0),
    }


def test_translate_toolkit_unit_counts_match_the_translations_in_the_database(french_xliff):
    stats = calcstats(io.BytesIO(french_xliff))
    bundle = translations_export(language="fr")
    expected = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for item in bundle.items:
        for unit in item.units:
            if not unit.target.strip():
                expected["untranslated"] += 1
            elif item.state == State.UP_TO_DATE:
                expected["translated"] += 1
            else:
                expected["fuzzy"] += 1
    assert {key: stats[key] for key in expected} == expected
    # The partial translations: the up-to-date article's missing slug and summary are untranslated.
    units = {unit.getid().rsplit("\x04", 1)[-1]: unit for unit in _store(french_xliff).units}
    assert _tool_state(units["article:up-to-date:title"]) == "translated"
    assert _tool_state(units["article:up-to-date:slug"]) == "untranslated"
    assert _tool_state(units["article:up-to-date:summary"]) == "untranslated"
    assert units["article:up-to-date:slug"].getlanguageNode(lang=None, index=1) is None


def test_xliff_states_follow_xliff_1_2():
    data = formats.write(
        formats.Bundle(
            "en",
            "fr",
            tuple(
                formats.Item("article", state.value, 1, state.value, (formats.Unit("title", "T", target),))
                for state, target in (
                    (State.UP_TO_DATE, "Titre"),
                    (State.OUTDATED, "Titre"),
                    (State.NEEDS_REVIEW, "Titre"),
                    (State.MISSING, ""),
                )
            ),
        ),
        "xliff",
    )
    units = {unit.xmlelement.get("id"): unit for unit in _store(data).units}
    approved = {key: unit.xmlelement.get("approved") for key, unit in units.items()}
    target_states = {
        key: (unit.getlanguageNode(lang=None, index=1).get("state") if unit.target else None)
        for key, unit in units.items()
    }
    assert approved == {
        "article:up_to_date:title": "yes",
        "article:outdated:title": None,
        "article:needs_review:title": None,
        "article:missing:title": None,
    }
    assert target_states == {
        "article:up_to_date:title": "translated",
        "article:outdated:title": "needs-review-translation",
        "article:needs_review:title": "needs-review-translation",
        "article:missing:title": None,
    }


def test_a_file_edited_and_saved_by_translate_toolkit_imports_back(french_xliff):
    store = _store(french_xliff)
    units = {unit.getid().rsplit("\x04", 1)[-1]: unit for unit in store.units}
    # A vendor translates a missing article (no <target> yet) and revises the outdated one.
    units["article:missing:title"].settarget("Reçus")
    units["article:missing:body"].settarget("x en français")
    units["article:outdated:body"].settarget("Téléchargez-les depuis la page de facturation.")
    edited = bytes(store)

    summary = translations_import(bundle=formats.read(edited, "xliff"))

    assert sorted(summary.updated) == ["article:missing", "article:outdated"]
    missing, outdated = Article.objects.get(slug_en="missing"), Article.objects.get(slug_en="outdated")
    assert (missing.title_fr, missing.body_fr) == ("Reçus", "x en français")
    assert outdated.body_fr == "Téléchargez-les depuis la page de facturation."
    assert translation_status(obj=missing, language="fr").state == State.UP_TO_DATE
    assert translation_status(obj=outdated, language="fr").state == State.UP_TO_DATE
    # Read again by the toolkit, the saved units now count as translated.
    again = {
        unit.getid().rsplit("\x04", 1)[-1]: unit
        for unit in _store(formats.write(translations_export(language="fr"), "xliff")).units
    }
    assert _tool_state(again["article:missing:title"]) == "translated"
