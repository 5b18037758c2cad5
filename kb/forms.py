from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


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

    def __init__(self, *args, kind: str, **kwargs) -> None:
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
        names = (
            ("title", "slug", "summary", "body", "questions")
            if kind == "article"
            else ("name", "slug", "description")
        )
        for name in reversed(names):
            # Labels as headings: "Titre", "Corps", like the admin's own forms (verbose names are lower case).
            fields[name].label = capfirst(fields[name].label)
            self.fields = {name: fields[name], **self.fields}
