"""The kinds of bot message: one enumeration for the policy, the answering, the stored messages
(Message.decision), the API and the widget. Pure Python."""

from enum import StrEnum


class ReplyKind(StrEnum):
    """Every kind of bot message; stored on Message.decision and read by the widget."""

    GREETING = "greeting"
    ANSWER = "answer"
    SUGGESTIONS = "suggestions"
    CANNOT_HELP = "cannot_help"
    OFFER_PERSON = "offer_person"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    ESCALATED = "escalated"
    THANKS = "thanks"
    SMALL_TALK = "small_talk"  # a greeting answered with a greeting
    SUPPORT = "support"  # a question about support itself, answered from the schedule


# What the policy decides from a ranking (chatbot.policy.decide): three of the kinds above.
DECIDED = (ReplyKind.ANSWER, ReplyKind.SUGGESTIONS, ReplyKind.CANNOT_HELP)
# After these the widget asks "did this help?"...
ASKS_FEEDBACK = (ReplyKind.ANSWER, ReplyKind.SUGGESTIONS)
# ...and after these it offers the form that hands the conversation to a person.
OFFERS_PERSON = (ReplyKind.CANNOT_HELP, ReplyKind.OFFER_PERSON)
