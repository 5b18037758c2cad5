"""Text fields of articles and categories that store what the writer meant, not how the browser sent it.

A browser submits a textarea with CRLF line endings (the HTML form encoding), so an admin save of an
article whose text did not change would otherwise differ from the stored text in every line: a new
source revision, a new version of every translation, translations marked outdated. The form field
normalises before the admin compares (so the change message lists only what changed), and the model
field normalises before every save (imports, services, commands), so no write stores another form.
"""

from __future__ import annotations

import re

from django import forms
from django.db import models

_LINE_END = re.compile(r"\r\n?")


def normalise_text(value: str | None) -> str | None:
    """One form for a text: LF line endings, no whitespace at the end (where the browser or an
    editor adds a newline or spaces). Whitespace inside and at the start is kept (Markdown)."""
    if not isinstance(value, str):
        return value
    return _LINE_END.sub("\n", value).rstrip()


class NormalisedTextFormField(forms.CharField):
    def to_python(self, value):
        return normalise_text(super().to_python(value))


class NormalisedTextField(models.TextField):
    """A TextField whose value is normalised (normalise_text) in forms and before each save."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NormalisedTextFormField, **kwargs})

    def pre_save(self, model_instance, add):
        value = normalise_text(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
