import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import schedule
from .webhooks import validate_webhook_url


def validate_hours(value: str) -> None:
    try:
        schedule.parse_intervals(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def validate_timezone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value}) from None


class Region(models.Model):
    code = models.SlugField(_("code"), max_length=16, unique=True, help_text=_("Short name, e.g. EMEA."))
    name = models.CharField(_("name"), max_length=80)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    languages = models.JSONField(
        _("languages"), default=list, help_text=_("Language codes the team answers in.")
    )
    hours = models.CharField(
        _("weekly hours"),
        max_length=500,
        validators=[validate_hours],
        help_text=_("Local time, e.g. “Mon-Fri 08:00-17:00; Sat 10:00-14:00”. 22:00-06:00 crosses midnight."),
    )
    holiday_country = models.CharField(_("public holidays of country"), max_length=8, blank=True)
    holiday_subdivision = models.CharField(_("subdivision"), max_length=16, blank=True)
    order = models.PositiveIntegerField(_("display order"), default=0)
    webhook_url = models.URLField(
        _("hand-off webhook"),
        blank=True,
        validators=[validate_webhook_url],
        help_text=_("Slack-compatible incoming webhook: an https:// address on a public host."),
    )
    handoff_email = models.EmailField(_("hand-off e-mail"), blank=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="support_regions", verbose_name=_("agents")
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        try:
            self.to_schedule(closures=())
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def to_schedule(self, closures=None) -> schedule.RegionSchedule:
        if closures is None:
            closures = tuple(schedule.Closure(c.start, c.end, c.reason) for c in self.closures.all())
        return schedule.RegionSchedule(
            code=self.code,
            name=self.name,
            timezone=self.timezone,
            languages=frozenset(self.languages),
            intervals=schedule.parse_intervals(self.hours),
            holiday_country=self.holiday_country,
            holiday_subdivision=self.holiday_subdivision,
            closures=tuple(closures),
            order=self.order,
        )


class RegionClosure(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="closures", verbose_name=_("region")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return f"{self.region_id}: {self.start}–{self.end}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError(_("The last day cannot be before the first day."))


class TicketStatus(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    WAITING = "waiting", _("waiting on customer")
    SOLVED = "solved", _("solved")
    CLOSED = "closed", _("closed")


class TicketPriority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class TicketSource(models.TextChoices):
    CHAT = "chat", _("chat")
    WEB = "web", _("web form")
    STAFF = "staff", _("staff")
    EMAIL = "email", _("e-mail")


def _new_access_key() -> str:
    return secrets.token_urlsafe(24)


def new_reply_token() -> str:
    """The per-ticket part of its reply address (support+<token>@…): 20 random base-32 characters,
    lower case, so mail servers that fold the local part's case still deliver it."""
    return secrets.token_hex(10)


class Ticket(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    # Part of the customer's signed status link: knowing a reference is never enough to read a ticket.
    access_key = models.CharField(max_length=64, default=_new_access_key, editable=False)
    # The customer's replies come back to support+<reply_token>@… (Reply-To of every ticket e-mail).
    reply_token = models.CharField(max_length=32, unique=True, default=new_reply_token, editable=False)
    # False when the ticket came from a robot (auto-reply, list, bounce): no acknowledgement or survey.
    automatic_mail = models.BooleanField(_("automatic e-mails"), default=True)
    requester_name = models.CharField(_("name"), max_length=120, blank=True)
    requester_email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=16)
    customer_timezone = models.CharField(_("customer time zone"), max_length=64, default="UTC")
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("region")
    )
    covers_language = models.BooleanField(_("region speaks the language"), default=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned agent"),
    )
    source = models.CharField(_("source"), max_length=16, choices=TicketSource.choices)
    # The help-center category the customer chose as the topic (contact form), for the report's
    # deflection rate per category; empty for chats and when not chosen.
    category = models.ForeignKey(
        "kb.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
    )
    transcript = models.JSONField(_("chat transcript"), default=list, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("customer message")
    REPLY = "reply", _("public reply")
    NOTE = "note", _("internal note")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("author")
    )
    body = models.TextField(_("message"))
    # The Message-ID of the e-mail this message came in with (customer) or went out with (reply).
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    ROUTED = "routed", _("routed")
    HANDED_OFF = "handed_off", _("handed off")
    MOVED = "moved", _("moved to another region")
    REPLIED = "replied", _("replied")
    CUSTOMER_REPLIED = "customer_replied", _("customer replied")
    NOTE = "note", _("internal note")
    STATUS = "status", _("status changed")
    ASSIGNED = "assigned", _("assigned")
    MAIL_SUPPRESSED = "mail_suppressed", _("automatic e-mail not sent")


class TicketEvent(models.Model):
    """Append-only history of a ticket: nothing here is ever edited or deleted."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Handoff(models.Model):
    from_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="handoffs_out", verbose_name=_("from")
    )
    shift_end = models.DateTimeField(_("shift ended"))
    tickets = models.ManyToManyField(Ticket, blank=True, related_name="handoffs", verbose_name=_("tickets"))
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("handed off at"), auto_now_add=True)

    class Meta:
        ordering = ["-shift_end"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        constraints = [
            # One hand-off per shift end: a second run of the command finds it done.
            models.UniqueConstraint(
                fields=["from_region", "shift_end"], name="support_one_handoff_per_shift_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_region_id} {self.shift_end:%Y-%m-%d %H:%M}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class HandoffDelivery(models.Model):
    """A hand-off summary to post to a receiving region; retried with backoff until it goes through."""

    handoff = models.ForeignKey(
        Handoff, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("hand-off")
    )
    to_region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="handoffs_in", verbose_name=_("to")
    )
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("hand-off delivery")
        verbose_name_plural = _("hand-off deliveries")

    def __str__(self) -> str:
        return f"{self.handoff_id} → {self.to_region_id} ({self.status})"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutgoingEmail(models.Model):
    """An e-mail to a customer, kept until the mail server took it: a server that is down delays it,
    retries back off, and one that keeps failing is shown to staff on the ticket."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="emails", verbose_name=_("ticket")
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # Threading: our own Message-ID, and the thread it answers (In-Reply-To / References).
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    # Sent without a person deciding (acknowledgement, survey): capped, paused for bouncing addresses.
    automatic = models.BooleanField(_("automatic"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("customer e-mail")
        verbose_name_plural = _("customer e-mails")

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.to}: {self.subject}"


class BouncingAddress(models.Model):
    """An address whose mail came back as undeliverable (a delivery-status notification). After
    `HELPCENTER_MAIL_BOUNCE_PAUSE` bounces automatic e-mail to it is paused until staff clear it;
    agents' replies still go out."""

    address = models.EmailField(_("address"), unique=True)
    bounces = models.PositiveIntegerField(_("bounces"), default=0)
    last_reason = models.CharField(_("last reason"), max_length=300, blank=True)
    paused = models.BooleanField(_("automatic e-mail paused"), default=False)
    first_bounced_at = models.DateTimeField(_("first bounce"), auto_now_add=True)
    last_bounced_at = models.DateTimeField(_("last bounce"))

    class Meta:
        ordering = ["-last_bounced_at"]
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")

    def __str__(self) -> str:
        return f"{self.address} ({self.bounces})"


class Presence(models.TextChoices):
    ONLINE = "online", _("online")
    AWAY = "away", _("away")
    OFFLINE = "offline", _("offline")


class AgentProfile(models.Model):
    """What customers see of an agent. Logins are internal: a reply signed "agent-emea" tells the
    customer nothing and leaks an account name, so public text uses `display_name` only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_profile",
        verbose_name=_("user"),
    )
    display_name = models.CharField(
        _("public display name"),
        max_length=80,
        help_text=_('How customers see this agent in replies and e-mails, e.g. "Camille".'),
    )
    # Live chat: what the agent chose, and when their agents' page was last open (seen) and last
    # used (active); support/presence.py turns the three into online, away or offline.
    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.OFFLINE
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_active_at = models.DateTimeField(_("last active"), null=True, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Times on the agents' pages are shown in it; empty: the time zone of your first region."),
    )
    max_chats = models.PositiveSmallIntegerField(
        _("concurrent chats"), default=3, help_text=_("How many live chats this agent holds at once.")
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return self.display_name


class Deflection(models.Model):
    """A customer about to write to support said an article suggested on the contact form answered
    their question, so no ticket was sent. Nothing about the customer is kept."""

    # The contact form's own submission key: one deflection per form, however often it is clicked.
    submission = models.UUIDField(_("form submission"), unique=True, editable=False)
    language = models.CharField(_("language"), max_length=16, db_index=True)
    article = models.ForeignKey(
        "kb.Article", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("article")
    )
    category = models.ForeignKey(
        "kb.Category", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("category")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")

    def __str__(self) -> str:
        return f"{self.language} {self.article_id} {self.created_at:%Y-%m-%d}"


class Rating(models.TextChoices):
    GOOD = "good", _("good")
    BAD = "bad", _("bad")


class Satisfaction(models.Model):
    """ "How did we do?", asked when a ticket is solved: one answer per ticket, which the customer may
    change while the survey is open (a week after it was asked)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="satisfaction", verbose_name=_("ticket")
    )
    # Who and what it is about, as it stood when the ticket was solved (for the report).
    region = models.ForeignKey(
        Region, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("region")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    language = models.CharField(_("language"), max_length=16)
    asked_at = models.DateTimeField(_("asked"))
    rating = models.CharField(_("rating"), max_length=8, choices=Rating.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction answer")
        verbose_name_plural = _("satisfaction answers")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating or '—'}"


class SavedReply(models.Model):
    """A reply agents reuse, written once per language (title and body are translated fields,
    registered in support/translation.py); shared by every region or kept to one."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {customer_name}, {ticket_reference}, {agent_name} (the agent's public name) "
            "and {article:slug} (a link to that article in the customer's language)."
        ),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_replies",
        verbose_name=_("region"),
        help_text=_("Empty: shared by every region."),
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")

    def __str__(self) -> str:
        return self.title


class CustomerErasure(models.Model):
    """The record of one erasure of a customer's data: who, when and how many records each app
    changed. It keeps no trace of the address itself but a keyed digest (to answer "was this address
    erased?"), and nothing can change or delete it, in the admin or elsewhere."""

    email_digest = models.CharField(_("address digest"), max_length=64, db_index=True, editable=False)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # Kept as text too, so the record still says who when the account is deleted later.
    performed_by_name = models.CharField(_("by (as recorded)"), max_length=150)
    via = models.CharField(_("from"), max_length=40)
    counts = models.JSONField(_("records changed per part"), default=dict)
    total = models.PositiveIntegerField(_("records changed"))
    performed_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-performed_at", "-id"]
        verbose_name = _("customer data erasure")
        verbose_name_plural = _("customer data erasures")
        permissions = [("manage_customer_data", _("Can export and erase a customer's data"))]

    def __str__(self) -> str:
        return f"{self.performed_at:%Y-%m-%d %H:%M} {self.performed_by_name} ({self.total})"


class TicketSearchTerm(models.Model):
    """One term of one ticket in the agents' search index (support/search.py), with how much it
    counts there. Written only by the ticket services; rebuilt with `manage.py ticket_search_index`."""

    # Indexed below, with the term and weight: scoring candidates reads that index alone.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=64)
    weight = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # "This term's strongest tickets" (the candidates of a query).
            models.Index(fields=["term", "-weight", "-ticket"], name="support_search_term_weight"),
            # A candidate's weight for each query term; also a ticket's rows when it is reindexed.
            models.Index(fields=["ticket", "term", "weight"], name="support_search_ticket_term"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.term} ({self.weight})"


class TicketSearchVariant(models.Model):
    """An indexed term under each of its one-letter deletions (and itself): how a typo finds it."""

    variant = models.CharField(max_length=64)
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "term"], name="support_search_variant_once")
        ]

    def __str__(self) -> str:
        return f"{self.variant} → {self.term}"
