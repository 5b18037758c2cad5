"""Every sentence the bot can say, in one place for translators."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# A reply that shows articles is said in two parts: the introduction above the article cards and the
# question below them ("Here is what I found:" [card] "Did this answer your question?"), so that the
# customer is never asked about a card they have not seen yet. Counted texts take {"count": n}.

GREETING = _(
    "Hi! I'm the Nimbus Cloud assistant. Ask me a question and I'll look for the answer in our help center."
)
ANSWER = _("Here is what I found:")
SUGGESTIONS = ngettext_lazy(
    "I'm not sure this is what you need:", "I'm not sure which of these you need:", "count"
)
DID_THEY_HELP = ngettext_lazy("Does this article help?", "Do any of these articles help?", "count")
CANNOT_HELP = _("I couldn't find an article about that.")
OFFER_PERSON = _(
    "I can pass your question to a person. Leave your e-mail address and our next team on shift that "
    "speaks your language will answer, with this conversation in hand."
)
ASKED_PERSON = _("Of course. Leave your e-mail address and a person from our support team will answer you.")
DID_IT_HELP = _("Did this answer your question?")
OFFER_PERSON_TOO = _("If you would rather talk to a person, I can pass your question on.")
MEANWHILE = ngettext_lazy("Meanwhile, this article may help:", "Meanwhile, these articles may help:", "count")
# Translators: what the transcript shows when the customer pressed the "talk to a person" button.
PERSON_REQUESTED = _("(asked to talk to a person)")
THANKS_HELPFUL = _("Great, glad it helped! Anything else?")
NEXT_SUGGESTIONS = ngettext_lazy(
    "Sorry about that. Here is another article that may help:",
    "Sorry about that. Here are other articles that may help:",
    "count",
)
LANGUAGE_SWITCHED = _("I'll continue in %(language)s.")
# Translators: %(languages)s is a list of language names, joined as your language writes a list.
UNSUPPORTED_LANGUAGE = _("Sorry, I can only help in these languages: %(languages)s.")
ALREADY_ESCALATED = _(
    "Your request %(reference)s is with our support team; they will answer by e-mail. You can add details "
    "on your request's page."
)
ESCALATED_NOW = _(
    "Thanks! Our %(region)s team is on shift now: an agent will reply shortly. We'll e-mail you at "
    "%(email)s (reference %(reference)s)."
)
# Translators: %(time)s is a local time such as 09:00; %(delay)s something like "4 hours".
ESCALATED_LATER = _(
    "Thanks! Our %(region)s team starts at %(time)s your time (%(weekday)s), in about %(delay)s; we'll "
    "e-mail you at %(email)s (reference %(reference)s)."
)
# Translators: as above, for a customer whose time zone is not known: %(timezone)s is "UTC".
ESCALATED_LATER_NAMED_ZONE = _(
    "Thanks! Our %(region)s team starts at %(time)s %(timezone)s (%(weekday)s), in about %(delay)s; "
    "we'll e-mail you at %(email)s (reference %(reference)s)."
)
# A greeting answered with a greeting.
SMALL_TALK = _("Hello! What can I help you with? Ask me a question about Nimbus Cloud.")
# Questions about support itself, answered from the support schedule. %(language)s is a language name
# as written inside a sentence; %(hours)s a list such as "Monday 08:00–17:00, Tuesday 08:00–17:00".
SUPPORT_HOURS = _("Someone answers in %(language)s at these times (your time): %(hours)s.")
# Translators: %(days)s is a list of weekdays, such as "Saturday and Sunday".
SUPPORT_CLOSED_DAYS = _("Nobody answers in %(language)s on %(days)s.")
SUPPORT_NO_HOURS = _("No team answers in %(language)s at regular hours yet.")
# Translators: %(languages)s is a list of language names.
SUPPORT_LANGUAGES = _("Our teams answer in %(languages)s.")
SUPPORT_PAGE = _("Every team's hours, holidays and languages:")
SUPPORT_PAGE_TITLE = _("Support hours and languages")
# Said in the transcript agents read when the answer came from the words-only engine.
PROVISIONAL = _("(answered by the words-only search while the full answering engine was being prepared)")
