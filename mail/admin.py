from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import InboundAttachment, InboundEmail, InboundStatus, Mailbox


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        widget=forms.PasswordInput(render_value=True),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "language",
            "category",
            "region",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_user",
            "imap_password",
            "imap_folder",
            "imap_done_folder",
            "active",
        ]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "address",
        "name",
        "language",
        "category",
        "imap_host",
        "active",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("last_polled_at", "last_error")
    fieldsets = (
        (None, {"fields": ("name", "address", "language", "category", "region")}),
        (
            _("IMAP"),
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_user",
                    "imap_password",
                    "imap_folder",
                    "imap_done_folder",
                    "active",
                    "last_polled_at",
                    "last_error",
                )
            },
        ),
    )


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    extra = 0
    can_delete = False
    fields = ("filename", "content_type", "size", "inline", "refused", "file")
    readonly_fields = fields


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_address", "subject", "status", "threaded_by", "ticket", "door")
    list_filter = ("status", "door", "threaded_by", "mailbox")
    search_fields = ("from_address", "subject", "message_id")
    exclude = ("raw",)
    readonly_fields = [f.name for f in InboundEmail._meta.fields if f.name != "raw"]
    inlines = [InboundAttachmentInline]
    actions = ["accept", "reject", "reprocess"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Add the held e-mails to their tickets"), permissions=["change"])
    def accept(self, request, queryset):
        for email in queryset.filter(status=InboundStatus.HELD):
            services.held_accept(email=email, actor=request.user)

    @admin.action(description=_("Reject the held e-mails"), permissions=["change"])
    def reject(self, request, queryset):
        for email in queryset.filter(status=InboundStatus.HELD):
            services.held_reject(email=email, actor=request.user)

    @admin.action(description=_("Process again (stored, not processed)"), permissions=["change"])
    def reprocess(self, request, queryset):
        for email in queryset.filter(status__in=(InboundStatus.RECEIVED, InboundStatus.FAILED)):
            services.email_process(email=email)
