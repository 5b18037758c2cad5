from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin
from modeltranslation.utils import build_localized_fieldname

from kb.selectors import article_slugs_existing

from . import placeholders
from .models import (
    AgentProfile,
    BouncingAddress,
    CustomerErasure,
    Deflection,
    Handoff,
    HandoffDelivery,
    OutgoingEmail,
    Region,
    RegionClosure,
    Satisfaction,
    SavedReply,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from .search import tickets_index


class RegionClosureInline(admin.TabularInline):
    model = RegionClosure
    extra = 0


@admin.register(Region)
class RegionAdmin(TabbedTranslationAdmin):
    list_display = ("code", "name", "timezone", "hours", "holiday_country", "order")
    list_editable = ("order",)
    filter_horizontal = ("agents",)
    inlines = [RegionClosureInline]


class TicketMessageInline(admin.StackedInline):
    model = TicketMessage
    extra = 0
    readonly_fields = ("kind", "author", "body", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    """The event log is append-only: shown, never edited."""

    model = TicketEvent
    extra = 0
    readonly_fields = ("kind", "detail", "actor", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # Tickets are created through ticket_create (contact form, chat, agents' pages), never here.
    list_display = (
        "reference",
        "subject",
        "region",
        "language",
        "status",
        "assigned_to",
        "first_response_due",
        "created_at",
    )
    list_filter = ("status", "region", "language", "source")
    list_select_related = ("region", "assigned_to")
    search_fields = ("reference", "subject", "requester_email", "requester_name")
    readonly_fields = (
        "reference",
        "requester_email",
        "requester_name",
        "language",
        "customer_timezone",
        "source",
        "region",
        "status",
        "assigned_to",
        "covers_language",
        "transcript",
        "first_response_due",
        "first_responded_at",
        "created_at",
        "updated_at",
    )
    fields = ("reference", "subject", "priority", *readonly_fields[1:])
    inlines = [TicketMessageInline, TicketEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Ticket, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The subject can be edited here: the agents' search must find the new one.
        tickets_index(ticket_ids=[obj.pk])


class HandoffDeliveryInline(admin.TabularInline):
    model = HandoffDelivery
    extra = 0
    readonly_fields = ("to_region", "status", "attempts", "next_attempt_at", "last_error", "text")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ("from_region", "shift_end", "created_at")
    list_filter = ("from_region",)
    readonly_fields = ("from_region", "shift_end", "summary", "created_at", "tickets")
    inlines = [HandoffDeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(BouncingAddress)
class BouncingAddressAdmin(admin.ModelAdmin):
    """Addresses whose mail bounced; untick "paused" (or delete the row) once the customer fixed it."""

    list_display = ("address", "bounces", "paused", "last_bounced_at", "last_reason")
    list_filter = ("paused",)
    list_editable = ("paused",)
    search_fields = ("address",)
    readonly_fields = ("address", "bounces", "first_bounced_at", "last_bounced_at", "last_reason")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Customer e-mails and whether the mail server took them; staff read, the retry loop writes."""

    list_display = (
        "ticket",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("ticket",)
    search_fields = ("to", "subject", "ticket__reference")
    readonly_fields = (
        "ticket",
        "to",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user")
    search_fields = ("display_name", "user__username")
    autocomplete_fields = ("user",)


PLACEHOLDER_PROBLEMS = {
    "unknown": _("%(placeholder)s is not a placeholder this reply can use."),
    "needs_argument": _("%(placeholder)s needs an article's slug, e.g. {article:reset-password}."),
    "no_argument": _("%(placeholder)s takes nothing after a colon."),
    "unknown_article": _("%(placeholder)s names no article: check the slug (the English one)."),
}


class SavedReplyForm(forms.ModelForm):
    """Unknown placeholders are refused when the reply is saved, in every language, so an agent
    never sends "{custmer_name}" to a customer."""

    def clean(self):
        cleaned = super().clean()
        for code, _name in settings.LANGUAGES:
            for field in ("title", "body"):
                name = build_localized_fieldname(field, code)
                text = cleaned.get(name) or ""
                found = placeholders.problems(
                    text, known_articles=lambda slugs: article_slugs_existing(slugs=slugs)
                )
                for problem in found:
                    self.add_error(
                        name, PLACEHOLDER_PROBLEMS[problem.reason] % {"placeholder": problem.placeholder}
                    )
        return cleaned


@admin.register(SavedReply)
class SavedReplyAdmin(TabbedTranslationAdmin):
    form = SavedReplyForm
    list_display = ("title", "region", "languages", "usage_count", "updated_at")
    list_filter = ("region",)
    search_fields = [build_localized_fieldname("title", code) for code, _name in settings.LANGUAGES]
    readonly_fields = ("usage_count", "created_at", "updated_at")
    fields = ("title", "body", "region", "usage_count", "created_at", "updated_at")

    @admin.display(description=_("languages"))
    def languages(self, reply: SavedReply) -> str:
        return ", ".join(
            code
            for code, _name in settings.LANGUAGES
            if (getattr(reply, build_localized_fieldname("body", code)) or "").strip()
        )


@admin.register(CustomerErasure)
class CustomerErasureAdmin(admin.ModelAdmin):
    """Erasures are records of what was done: shown, never added, changed or deleted here (an
    erasure is made on the customer data page or by `manage.py customer_data`)."""

    list_display = ("performed_at", "performed_by_name", "via", "total", "counts")
    list_filter = ("via",)
    readonly_fields = ("performed_at", "performed_by_name", "via", "counts", "total", "email_digest")
    fields = readonly_fields
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "support.manage_customer_data"
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("support.manage_customer_data"):
            extra_context["customer_data_link"] = format_html(
                '<a href="{}">{}</a>',
                reverse("support:customer_data"),
                _("Export or erase a customer's data"),
            )
        return super().changelist_view(request, extra_context)


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    """Counted from the contact form; read here, never written."""

    list_display = ("created_at", "language", "article", "category")
    list_filter = ("language",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Satisfaction)
class SatisfactionAdmin(admin.ModelAdmin):
    """The customers' own answers: read here, never edited."""

    list_display = ("ticket", "rating", "region", "language", "agent", "asked_at", "answered_at")
    list_filter = ("rating", "region", "language")
    list_select_related = ("ticket", "region", "agent")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
