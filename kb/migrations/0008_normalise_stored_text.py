"""Text saved through the admin before kb.fields normalised it keeps the browser's CRLF line endings
and trailing whitespace, as do the revisions and translation versions made from it. This gives every
stored text the one form (LF, nothing at the end), and, where a translation was outdated only by a
revision that differed in that way, makes it up to date again with the revision of the same text."""

import re

from django.conf import settings
from django.db import migrations

TEXT_FIELDS = {"Article": ("summary", "body", "questions"), "Category": ("description",)}
_LINE_END = re.compile(r"\r\n?")


def normalise(value):
    # A copy of kb.fields.normalise_text as it was written with this migration.
    if not isinstance(value, str):
        return value
    return _LINE_END.sub("\n", value).rstrip()


def _normalised_dict(text):
    return {name: normalise(value) for name, value in text.items()} if isinstance(text, dict) else text


def forwards(apps, schema_editor):
    columns = ["", *(f"_{code.replace('-', '_')}" for code, _name in settings.LANGUAGES)]
    Revision = apps.get_model("kb", "SourceRevision")
    Version = apps.get_model("kb", "TranslationRevision")
    Record = apps.get_model("kb", "TranslationRecord")
    for model_name, fields in TEXT_FIELDS.items():
        names = [f"{field}{suffix}" for field in fields for suffix in columns]
        for obj in apps.get_model("kb", model_name).objects.only("pk", *names).iterator():
            changed = [name for name in names if normalise(getattr(obj, name)) != getattr(obj, name)]
            for name in changed:
                setattr(obj, name, normalise(getattr(obj, name)))
            if changed:
                # update_fields: updated_at (auto_now) is left as it was; nothing was edited.
                obj.save(update_fields=changed)
    for model in (Revision, Version):
        for row in model.objects.iterator():
            text = _normalised_dict(row.text)
            if text != row.text:
                row.text = text
                row.save(update_fields=["text"])
    # A translation made from revision m, the source now at revision n with the same text: up to date.
    for owner in ("article", "category"):
        for record in Record.objects.filter(**{f"{owner}__isnull": False}):
            owner_id = getattr(record, f"{owner}_id")
            revisions = dict(
                Revision.objects.filter(**{f"{owner}_id": owner_id}).values_list("number", "text")
            )
            current = max(revisions, default=0)
            made_from = record.source_revision
            if made_from < current and made_from in revisions and revisions[made_from] == revisions[current]:
                record.source_revision = current
                # updated_at too: the public pages' cache and notices follow it.
                record.save(update_fields=["source_revision", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("kb", "0007_normalised_text")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
