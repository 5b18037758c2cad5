from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from support.models import Presence, Region
from support.schedule import language_matches
from support.zones import KNOWN_TIMEZONES

from .forms import MAX_MESSAGE_CHARS


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(label=_("Your status"), choices=Presence.choices)


class TransferForm(forms.Form):
    """Pass a chat to another agent of a region answering its language, or to such a region's line."""

    agent = forms.ModelChoiceField(
        label=_("To an agent"), queryset=get_user_model().objects.none(), required=False
    )
    region = forms.ModelChoiceField(
        label=_("To a region's line"), queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args, language: str, exclude_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = [r.pk for r in Region.objects.all() if language_matches(language, r.languages)]
        self.fields["region"].queryset = Region.objects.filter(pk__in=regions)
        agents = get_user_model().objects.filter(support_regions__in=regions, is_active=True).distinct()
        if exclude_user is not None:
            agents = agents.exclude(pk=exclude_user.pk)
        self.fields["agent"].queryset = agents.order_by("username")

    def clean(self):
        data = super().clean()
        if bool(data.get("agent")) == bool(data.get("region")):
            raise forms.ValidationError(_("Choose an agent or a region, one of the two."))
        return data


class AgentTimezoneForm(forms.Form):
    timezone = forms.ChoiceField(label=_("Your time zone"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [("", _("The time zone of my region"))] + [
            (name, name) for name in sorted(KNOWN_TIMEZONES) if "/" in name and not name.startswith("Etc/")
        ]


class AgentMessageForm(forms.Form):
    """A reply or an internal note sent over plain HTTP (an agents' chat page without WebSockets),
    checked as the socket checks it (chatbot/consumers.py)."""

    text = forms.CharField(label=_("Message"), max_length=MAX_MESSAGE_CHARS, strip=True)
    internal = forms.BooleanField(required=False)
