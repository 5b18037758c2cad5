from django.utils.translation import gettext as _

from .forms import MAX_MESSAGE_CHARS
from .kinds import ASKS_FEEDBACK, OFFERS_PERSON


def chat_widget(request) -> dict:
    """The widget's interface texts, translated, and the reply kinds it acts on, for json_script
    (no inline script needed)."""
    return {
        "chat_strings": {
            "yes": _("Yes, thanks"),
            "no": _("No, that didn't help"),
            "email": _("Your e-mail address"),
            "name": _("Your name (optional)"),
            "send_to_person": _("Send to a person"),
            "talk_to_person": _("I'd like to talk to a person"),
            "error": _("Sorry, something went wrong. Please try again."),
            "support_hours": _("Support hours and languages"),
            # Translators: the widget's character counter; count and max are numbers.
            "count": _("%(count)s / %(max)s characters"),
            "too_long": _(
                "Your message is %(count)s characters long; the limit is %(max)s. Please shorten it and send "
                "it again."
            ),
            "typing": _("The assistant is typing…"),
        },
        "chat_max_chars": MAX_MESSAGE_CHARS,
        "chat_kinds": {
            "feedback": [kind.value for kind in ASKS_FEEDBACK],
            "person": [kind.value for kind in OFFERS_PERSON],
        },
    }
