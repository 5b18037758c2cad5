"""The interface catalogs under locale/ are complete and their compiled .mo files are current."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LOCALES = [to_locale(code) for code, _name in settings.LANGUAGES]


def _entries(catalog) -> dict:
    return {
        (entry.msgctxt, entry.msgid): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
        for entry in catalog
        if not entry.obsolete
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_without_fuzzy_entries(locale):
    po = polib.pofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert len(po) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_its_source(locale):
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo = polib.mofile(str(folder / "django.mo"))
    assert _entries(mo) == _entries(po), "run `make messages` to recompile the catalogs"
