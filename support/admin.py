from django.contrib import admin
from django.http import HttpRequest
from modeltranslation.admin import TabbedTranslationAdmin

from .models import (
    AgentProfile,
    Deflection,
    Handoff,
    HandoffDelivery,
    OutgoingEmail,
    Region,
    RegionClosure,
    Satisfaction,
    Ticket,
    TicketEvent,
    TicketMessage,
)


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
