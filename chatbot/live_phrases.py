"""What the live chat says to the customer (and to the agent), in one place for translators."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# Said by the bot before the e-mail form when someone can chat now.
PERSON_AVAILABLE = _(
    "Someone from our team can chat with you now. Leave your e-mail address (in case we are cut off, "
    "so that we can answer by e-mail) and I will connect you."
)
# Translators: %(position)s is the customer's place in line (1 = next).
IN_LINE = _("You are number %(position)s in line.")
WAIT = ngettext_lazy(
    "Estimated wait: about %(minutes)s minute.", "Estimated wait: about %(minutes)s minutes.", "minutes"
)
# Translators: %(name)s is the agent's public display name, e.g. "Camille joins the chat".
JOINS = _("%(name)s joins the chat.")
JOINS_UNNAMED = _("A member of our support team joins the chat.")
LEFT = _("%(name)s had to leave the chat.")
DROPPED = _("We lost the connection to %(name)s.")
SHIFT_ENDED = _("Our team's shift has ended.")
NO_AGENT = _("Nobody from our team can take the chat right now.")
# Said after one of the four above, before "EMEA will answer…" (the ticket's own sentence).
TICKET_INSTEAD = _("We have made a ticket of this conversation, with everything said so far.")
CLOSED = _("%(name)s closed the chat. Thank you for talking to us!")
SURVEY = _("How did we do? Tell us in a few seconds.")
