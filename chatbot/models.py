import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import ReplyKind


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("open")
    ESCALATED = "escalated", _("handed to a person")
    CLOSED = "closed", _("closed")


class LiveStatus(models.TextChoices):
    NONE = "", _("bot only")
    WAITING = "waiting", _("waiting for an agent")
    ACTIVE = "active", _("with an agent")
    ENDED = "ended", _("ended")


class Conversation(models.Model):
    # A random UUID: the id in URLs never lets one customer guess another's conversation.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    timezone = models.CharField(_("customer time zone"), max_length=64, default="UTC")
    status = models.CharField(
        _("status"), max_length=16, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    # Keyed hash of the browser session that started it: only that session may read or write.
    owner = models.CharField(max_length=64, editable=False, db_index=True)
    handoff_reason = models.CharField(_("hand-off reason"), max_length=32, blank=True)
    ticket = models.OneToOneField(
        "support.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversation",
        verbose_name=_("ticket"),
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Live chat with a person (chatbot/live.py): the region whose line it waits in, the agent who
    # took it, and the address left for a ticket if the chat cannot go on.
    live_status = models.CharField(
        _("live chat"), max_length=8, choices=LiveStatus.choices, default=LiveStatus.NONE, blank=True
    )
    live_region = models.ForeignKey(
        "support.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("live chat region"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_chats",
        verbose_name=_("agent"),
    )
    live_email = models.EmailField(_("e-mail"), blank=True)
    live_name = models.CharField(_("name"), max_length=120, blank=True)
    requested_at = models.DateTimeField(_("asked for a person"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("taken by an agent"), null=True, blank=True)
    # Open chat sockets of the agent: none for long enough means their connection dropped for good.
    agent_connections = models.IntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["live_status", "live_region"])]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        permissions = [("view_bot_report", _("Can see how often the assistant resolves conversations"))]

    def __str__(self) -> str:
        return f"{self.id} [{self.language}]"


class Role(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    BOT = "bot", _("bot")
    AGENT = "agent", _("agent")
    # What happened ("Camille joins the chat"), said to both sides.
    NOTICE = "notice", _("notice")


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    role = models.CharField(_("from"), max_length=16, choices=Role.choices)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=16, blank=True)
    # For bot messages: the decision and the articles shown with their scores.
    # Shown as stored ("cannot_help"), as the admin showed them before they were choices.
    decision = models.CharField(
        _("decision"), max_length=32, blank=True, choices=[(kind.value, kind.value) for kind in ReplyKind]
    )
    articles = models.JSONField(_("articles shown"), default=list, blank=True)
    # What the bot says below the articles it shows ("Did this answer your question?").
    follow_up = models.TextField(_("follow-up"), blank=True, default="")
    helpful = models.BooleanField(_("helpful"), null=True, blank=True)
    # Live chat: the agent who wrote it; an internal note is for agents only, never the customer.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    internal = models.BooleanField(_("internal note"), default=False)
    # A link said with the text (the satisfaction survey after a live chat).
    link = models.CharField(_("link"), max_length=500, blank=True)
    # For bot messages: answered by the words-only engine while the language's full engine was built.
    provisional = models.BooleanField(_("answered while the engine was built"), default=False)
    # For bot messages: what was searched when not the customer's message alone (the message joined
    # to an unanswered one before it, or the earlier question a "that didn't help" asked again).
    searched = models.TextField(_("searched"), blank=True, default="")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"


class ProposalSource(models.TextChoices):
    CHAT = "chat", _("confirmed chat answer")
    TICKET = "ticket", _("agent's reply linking the article")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an editor")
    ACCEPTED = "accepted", _("accepted")
    DISMISSED = "dismissed", _("dismissed")


class PhrasingProposal(models.Model):
    """A customer's question in their own words, offered to editors as a new sample phrasing of the
    article that answered it ("customers also ask"). It is customer text: the links to where it was
    written (the chat message, the ticket) are what chatbot/privacy.py exports and erases by."""

    article = models.ForeignKey(
        "kb.Article", on_delete=models.CASCADE, related_name="+", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    text = models.CharField(_("phrasing"), max_length=300)
    source = models.CharField(_("source"), max_length=16, choices=ProposalSource.choices)
    # One proposal per article and origin ("chat:<message id>", "ticket:<reply id>"): collecting again
    # finds the same ones.
    origin = models.CharField(max_length=40, editable=False)
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chat message"),
    )
    ticket = models.ForeignKey(
        "support.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    asked_at = models.DateTimeField(_("asked"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("collected"), auto_now_add=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("phrasing proposal")
        verbose_name_plural = _("phrasing proposals")
        constraints = [
            models.UniqueConstraint(fields=["article", "origin"], name="chatbot_proposal_once_per_origin")
        ]
        indexes = [models.Index(fields=["status", "language"])]

    def __str__(self) -> str:
        return f"{self.article_id} [{self.language}] {self.text[:40]}"
