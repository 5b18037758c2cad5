from django.contrib import admin
from django.http import HttpRequest

from .models import Conversation, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    readonly_fields = ("role", "text", "language", "decision", "articles", "helpful", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "language", "status", "handoff_reason", "ticket", "started_at")
    list_filter = ("status", "language", "handoff_reason")
    readonly_fields = (
        "id",
        "language",
        "timezone",
        "status",
        "handoff_reason",
        "ticket",
        "started_at",
        "ended_at",
    )
    exclude = ("owner",)
    inlines = [MessageInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
