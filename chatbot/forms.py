from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from support.forms import CustomerTimezoneField, single_line

MAX_MESSAGE_CHARS = 2000


class StartForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    timezone = CustomerTimezoneField(required=False)


class MessageForm(forms.Form):
    """What the customer typed, or a structured request ("person": the widget's button)."""

    text = forms.CharField(max_length=MAX_MESSAGE_CHARS, strip=True, required=False)
    action = forms.ChoiceField(choices=[("person", "person")], required=False)

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("action"):
            raise forms.ValidationError(_("Type a message."), code="empty")
        if data.get("text") and data.get("action"):
            raise forms.ValidationError(_("Send a message or an action, not both."), code="both")
        return data


class FeedbackForm(forms.Form):
    message = forms.IntegerField(min_value=1)
    helpful = forms.BooleanField(required=False)


class EscalateForm(forms.Form):
    email = forms.EmailField(max_length=254)
    name = forms.CharField(max_length=120, required=False)

    def clean_name(self):
        return single_line(self.cleaned_data["name"])


class SuggestForm(forms.Form):
    """What the customer has typed so far on the contact form (support.forms.ContactForm)."""

    subject = forms.CharField(max_length=200, required=False)
    message = forms.CharField(max_length=10_000, required=False)

    def text(self) -> str:
        # The subject says the most; the start of the message is enough to rank.
        return f"{self.cleaned_data['subject']}\n{self.cleaned_data['message'][:1000]}".strip()
