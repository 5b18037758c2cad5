from dataclasses import dataclass

from django import forms
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, strip=True)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
    comment = forms.CharField(
        label=_("Anything we should add or fix? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TranslationImportForm(forms.Form):
    file = forms.FileField(
        label=_("Translation file"),
        help_text=_("XLIFF 1.2 (.xlf, .xliff) or PO (.po), as exported from this page."),
    )

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class TranslationEditForm(forms.Form):
    """One language's text of an article or category, for the translator's page."""

    up_to_date = forms.BooleanField(
        label=_("I checked this translation against the current source: mark it as up to date"),
        required=False,
    )

    def __init__(self, *args, kind: str, language: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {
            "title": forms.CharField(label=_("title"), max_length=255, required=False),
            "name": forms.CharField(label=_("name"), max_length=120, required=False),
            "slug": forms.SlugField(label=_("slug"), max_length=120, required=False, allow_unicode=False),
            "summary": forms.CharField(
                label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            ),
            "description": forms.CharField(
                label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            ),
            "body": forms.CharField(
                label=_("body"), required=False, widget=forms.Textarea(attrs={"rows": 16})
            ),
            "questions": forms.CharField(
                label=_("questions customers ask"), required=False, widget=forms.Textarea(attrs={"rows": 5})
            ),
        }
        if language is not None:
            from .editor import MarkdownEditor

            # The article editor (toolbar, preview, uploads), in the language being translated.
            fields["body"].widget = MarkdownEditor(language=language)
        names = (
            ("title", "slug", "summary", "body", "questions")
            if kind == "article"
            else ("name", "slug", "description")
        )
        for name in reversed(names):
            # Labels as headings: "Titre", "Corps", like the admin's own forms (verbose names are lower case).
            fields[name].label = capfirst(fields[name].label)
            self.fields = {name: fields[name], **self.fields}


def up_to_date_field(language: str) -> str:
    """The admin form's question field for one language ("up_to_date_zh_hans")."""
    return "up_to_date_" + language.replace("-", "_")


@dataclass(frozen=True)
class UpToDateQuestion:
    """An outdated translation the person may edit in the admin form: made from revision
    `made_from`, while the source is at `current`; `diff_url` is the translator's page."""

    language: str
    language_name: str
    made_from: int | None
    current: int
    diff_url: str

    @property
    def field(self) -> str:
        return up_to_date_field(self.language)


def with_up_to_date_questions(base: type[forms.ModelForm], *, questions, fields) -> type[forms.ModelForm]:
    """`base` with one question per outdated translation: "up to date with source revision N?". A
    change to that language's fields (`fields`: the translated field names) needs an answer, so that a
    translator who updates an outdated translation in the admin form says whether it now matches."""
    attrs: dict = {"up_to_date_questions": tuple(questions)}
    for question in questions:
        reason = (
            _("Made from source revision %(made)s; the source is now at revision %(current)s.")
            % {"made": question.made_from, "current": question.current}
            if question.made_from
            else _("Made before revisions were recorded; the source is now at revision %(current)s.")
            % {"current": question.current}
        )
        attrs[question.field] = forms.ChoiceField(
            label=_("Is the %(language)s translation up to date with source revision %(number)s?")
            % {"language": question.language_name, "number": question.current},
            choices=[
                ("yes", _("Yes: I checked it against revision %(number)s") % {"number": question.current}),
                ("no", _("No: it stays outdated")),
            ],
            widget=forms.RadioSelect,
            required=False,
            help_text=format_html(
                '{} <a href="{}#diff-title">{}</a>', reason, question.diff_url, _("See what changed")
            ),
        )

    def clean(self):
        cleaned = super(form, self).clean()
        for question in self.up_to_date_questions:
            changed = any(
                build_localized_fieldname(name, question.language) in self.changed_data for name in fields
            )
            if changed and not self.cleaned_data.get(question.field):
                self.add_error(
                    question.field,
                    _(
                        "You changed the %(language)s translation while its source has moved on: say "
                        "whether it is now up to date with source revision %(number)s."
                    )
                    % {"language": question.language_name, "number": question.current},
                )
        return cleaned

    attrs["clean"] = clean
    form = type(base.__name__, (base,), attrs)
    return form
