"""Content written before revisions were kept: its current source text becomes revision 1, and its
existing translations are taken as made from it (nothing better is known)."""

from django.conf import settings
from django.db import migrations

FIELDS = {"Article": ("title", "summary", "body", "questions"), "Category": ("name", "description")}


def forwards(apps, schema_editor):
    source = settings.LANGUAGE_CODE.replace("-", "_")
    targets = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    Revision = apps.get_model("kb", "SourceRevision")
    Record = apps.get_model("kb", "TranslationRecord")
    for model_name, fields in FIELDS.items():
        owner = model_name.lower()
        main = fields[0]
        for obj in apps.get_model("kb", model_name).objects.all():
            if Revision.objects.filter(**{owner: obj}).exists():
                continue
            Revision.objects.create(
                **{owner: obj}, number=1, text={f: getattr(obj, f"{f}_{source}") or "" for f in fields}
            )
            for language in targets:
                if (getattr(obj, f"{main}_{language.replace('-', '_')}") or "").strip():
                    Record.objects.get_or_create(
                        **{owner: obj}, language=language, defaults={"source_revision": 1}
                    )


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_translation_workflow")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
