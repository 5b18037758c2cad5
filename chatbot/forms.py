from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from support.forms import TimezoneField, single_line

MAX_MESSAGE_CHARS = 2000


class StartForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    # Unknown: a 400 that says so, never UTC in silence (support/zones.py's rule).
    timezone = TimezoneField()


class MessageForm(forms.Form):
    """What the customer typed, or a structured request ("person": the widget's button)."""

    text = forms.CharField(max_length=MAX_MESSAGE_CHARS, strip=True, required=False)
    action = forms.ChoiceField(choices=[("person", "person")], required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            # Each mistake said once: a text refused (too long) is not also "no message".
            return data
        if not data.get("text") and not data.get("action"):
            raise forms.ValidationError(_("Type a message."), code="empty")
        if data.get("text") and data.get("action"):
            raise forms.ValidationError(_("Send a message or an action, not both."), code="both")
        return data


class FeedbackForm(forms.Form):
    message = forms.IntegerField(min_value=1)
    helpful = forms.BooleanField(required=False)


class EscalateForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address so that our team can answer you."),
            "invalid": _("Please check your e-mail address: it should look like name@example.com."),
        },
    )
    name = forms.CharField(max_length=120, required=False)

    def clean_name(self):
        return single_line(self.cleaned_data["name"])


class ProposalDecisionForm(forms.Form):
    """An editor's click on a group of "customers also ask" phrasings: accept one wording, or dismiss."""

    action = forms.ChoiceField(choices=[("accept", _("Accept")), ("dismiss", _("Dismiss"))])
    ids = forms.CharField(max_length=4000)
    text = forms.CharField(max_length=300, required=False, strip=True)

    MAX_IDS = 500

    def clean_ids(self) -> list[int]:
        try:
            ids = [int(part) for part in self.cleaned_data["ids"].split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Unknown phrasings."), code="invalid") from None
        if not ids or len(ids) > self.MAX_IDS or min(ids) < 1:
            raise forms.ValidationError(_("Unknown phrasings."), code="invalid")
        return ids

    def clean(self):
        data = super().clean()
        if data.get("action") == "accept" and not data.get("text"):
            raise forms.ValidationError(_("Choose the wording to add."), code="no_text")
        return data


class SuggestForm(forms.Form):
    """What the customer has typed so far on the contact form (support.forms.ContactForm)."""

    subject = forms.CharField(max_length=200, required=False)
    message = forms.CharField(max_length=10_000, required=False)

    def text(self) -> str:
        # The subject says the most; the start of the message is enough to rank.
        return f"{self.cleaned_data['subject']}\n{self.cleaned_data['message'][:1000]}".strip()


class BotReportForm(forms.Form):
    """The owners' report: how many weeks back, shown as a page or downloaded as CSV."""

    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=104, required=False)
    format = forms.ChoiceField(
        label=_("Format"), choices=[("html", _("page")), ("csv", "CSV")], required=False
    )

    def clean_weeks(self) -> int:
        return self.cleaned_data["weeks"] or 8

    def clean_format(self) -> str:
        return self.cleaned_data["format"] or "html"
