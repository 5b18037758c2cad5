import uuid

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kb.models import Article, Category

from .models import Region, SavedReply, TicketStatus
from .zones import is_known


class CustomerTimezoneField(forms.CharField):
    """An IANA time zone name filled in by the browser; anything unknown becomes UTC (the hidden
    field of the contact form: the customer cannot correct it, and the e-mail names the zone)."""

    def clean(self, value):
        value = super().clean(value)
        return value if is_known(value) else "UTC"


class TimezoneField(forms.CharField):
    """An IANA time zone name a client sends (the chat API): refused when unknown, "" when absent."""

    default_error_messages = {
        "unknown": _("Unknown time zone “%(value)s”: send an IANA name such as Europe/Paris, or none."),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and not is_known(value):
            shown = value if len(value) <= 64 else value[:63] + "…"
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": shown}
            )
        return value


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120, required=False)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("How can we help?"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 7})
    )
    topic = forms.ModelChoiceField(
        label=_("Topic (optional)"),
        queryset=Category.objects.order_by("order", "pk"),
        required=False,
        empty_label=_("Choose a topic"),
    )
    timezone = CustomerTimezoneField(required=False, widget=forms.HiddenInput)
    field_order = ["name", "email", "topic", "subject", "message"]
    # A fresh key per form: a double submit of the same form creates one ticket.
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_name(self):
        return single_line(self.cleaned_data["name"])

    def clean_subject(self):
        return single_line(self.cleaned_data["subject"])


def single_line(value: str) -> str:
    """The value stripped, refused if it has a line break: names and subjects end up in e-mail
    headers, where a line break would inject headers."""
    if any(ch in value for ch in "\r\n\x00"):
        raise forms.ValidationError(_("This field cannot contain line breaks."))
    return value.strip()


class DeflectionForm(forms.Form):
    """ "This answered my question" under an article the contact form suggested."""

    article = forms.ModelChoiceField(queryset=Article.objects.published(), widget=forms.HiddenInput)
    submission = forms.UUIDField(widget=forms.HiddenInput)


class SatisfactionForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How did we do?"),
        choices=[("good", _("Good, I'm satisfied")), ("bad", _("Bad, I'm not satisfied"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CustomerReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Add a message"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )


class AgentReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 10}))
    public = forms.TypedChoiceField(
        label=_("Send as"),
        choices=[
            ("1", _("Public reply (e-mailed to the customer)")),
            ("0", _("Internal note (agents only)")),
        ],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    # Set when the text started from a saved reply, so that its use is counted when it is sent.
    saved_reply = forms.ModelChoiceField(
        queryset=SavedReply.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, saved_replies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if saved_replies is not None:
            self.fields["saved_reply"].queryset = saved_replies


class SavedReplyPickForm(forms.Form):
    """Picking a saved reply on the ticket page; a GET form, so it works without JavaScript."""

    saved_reply = forms.ModelChoiceField(
        label=_("Saved reply"), queryset=SavedReply.objects.none(), empty_label=None
    )
    use_as = forms.ChoiceField(
        label=_("Insert as"),
        choices=[("reply", _("public reply")), ("note", _("internal note"))],
        initial="reply",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, saved_replies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_reply"].queryset = saved_replies


class TicketStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)


class TicketAssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        label=_("Assigned agent"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args, region: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = region.agents.order_by("username")


class TicketMoveForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Move to region"), queryset=Region.objects.all())


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All open"))] + list(TicketStatus.choices), required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any"))] + list(settings.LANGUAGES), required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class CustomerDataForm(forms.Form):
    """Export or erase what is stored about one customer. Erasing needs the address typed twice."""

    email = forms.EmailField(label=_("Customer's e-mail address"), max_length=254)
    confirm_email = forms.EmailField(
        label=_("Type the address again to erase"),
        max_length=254,
        required=False,
        help_text=_("Only needed to erase. Erasing cannot be undone."),
    )

    def clean(self):
        cleaned = super().clean()
        if self.data.get("action") == "erase" and "email" in cleaned:
            if (cleaned.get("confirm_email") or "").strip().lower() != cleaned["email"].strip().lower():
                self.add_error("confirm_email", _("Type the same address again to confirm the erasure."))
        return cleaned


class TicketSearchForm(forms.Form):
    q = forms.CharField(label=_("Search tickets"), max_length=200, required=False)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Any"),
        to_field_name="code",
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + list(TicketStatus.choices), required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any"))] + list(settings.LANGUAGES), required=False
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date cannot be before the start date."))
        return cleaned
