from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("TLS from the start (port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("none (a server on this machine only)")


class Mailbox(models.Model):
    """An address customers write to (support@, facturation@…), what its mail defaults to, and,
    when it is fetched over IMAP, how to reach it. Mail that arrives by a provider webhook or a
    Postfix pipe is matched to a mailbox by its recipient address."""

    name = models.CharField(_("name"), max_length=80)
    address = models.EmailField(_("address"), unique=True)
    language = models.CharField(
        _("default language"),
        max_length=16,
        blank=True,
        help_text=_("Used when the language of an e-mail cannot be told from its text."),
    )
    category = models.ForeignKey(
        "kb.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default topic"),
    )
    region = models.ForeignKey(
        "support.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        help_text=_(
            "Tickets from this mailbox go to this team. "
            "Empty: the next team on shift that speaks the language."
        ),
    )
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=16, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=255, blank=True)
    imap_folder = models.CharField(_("folder to read"), max_length=255, default="INBOX")
    imap_done_folder = models.CharField(
        _("move stored mail to"),
        max_length=255,
        blank=True,
        help_text=_("Empty: stored mail is only flagged as read and stays in the folder."),
    )
    active = models.BooleanField(_("fetch"), default=True)
    # One poller per mailbox across machines: a lease taken with a conditional UPDATE.
    lock_owner = models.CharField(max_length=120, blank=True, editable=False)
    lock_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last fetched"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["address"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address


class Door(models.TextChoices):
    IMAP = "imap", _("IMAP")
    WEBHOOK = "webhook", _("provider webhook")
    PIPE = "pipe", _("standard input")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("stored, not processed yet")
    PARSED = "parsed", _("in a ticket")
    HELD = "held", _("held for an agent")
    FAILED = "failed", _("could not be read")
    DROPPED = "dropped", _("dropped")
    REJECTED = "rejected", _("rejected by an agent")


class ThreadedBy(models.TextChoices):
    TOKEN = "token", _("reply address")
    HEADERS = "headers", _("In-Reply-To / References")
    SUBJECT = "subject", _("reference in the subject")
    NEW = "new", _("new ticket")


class InboundEmail(models.Model):
    """One e-mail as it arrived, kept byte for byte before anything reads it: a message that cannot
    be parsed is still here, flagged for an agent."""

    mailbox = models.ForeignKey(
        Mailbox,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("mailbox"),
    )
    door = models.CharField(_("arrived by"), max_length=16, choices=Door.choices)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InboundStatus.choices,
        default=InboundStatus.RECEIVED,
        db_index=True,
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    from_address = models.CharField(_("from"), max_length=255, blank=True, db_index=True)
    from_name = models.CharField(_("sender name"), max_length=255, blank=True)
    to = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    text = models.TextField(_("full text"), blank=True)
    new_text = models.TextField(_("new part"), blank=True)
    html = models.TextField(_("HTML (sanitised)"), blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    automatic = models.CharField(_("sent by a robot"), max_length=120, blank=True)
    defects = models.TextField(_("MIME defects"), blank=True)
    threaded_by = models.CharField(_("threaded by"), max_length=16, choices=ThreadedBy.choices, blank=True)
    ticket = models.ForeignKey(
        "support.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    ticket_message = models.OneToOneField(
        "support.TicketMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_email",
        verbose_name=_("ticket message"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")

    def __str__(self) -> str:
        return f"{self.from_address or '?'}: {self.subject or self.message_id or self.sha256[:12]}"

    def get_absolute_url(self) -> str:
        return reverse("mail:email", kwargs={"pk": self.pk})


class InboundAttachment(models.Model):
    """A file an e-mail brought (or an inline cid image), stored through Django's storage API; one
    over the limits is listed with the reason it was refused and no file."""

    email = models.ForeignKey(
        InboundEmail, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("e-mail")
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveIntegerField(_("size"))
    content_id = models.CharField(_("Content-ID"), max_length=255, blank=True)
    inline = models.BooleanField(_("inline image"), default=False)
    file = models.FileField(_("file"), upload_to="mail/%Y/%m/", blank=True, max_length=255)
    refused = models.CharField(_("refused because"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
