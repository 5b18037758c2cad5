"""The mail app's settings, read once."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class MailSettings:
    max_message_bytes: int
    max_attachment_bytes: int
    max_attachments: int
    attachment_types: tuple[str, ...]
    suggestions: int


@cache
def mail_settings() -> MailSettings:
    return MailSettings(
        max_message_bytes=settings.HELPCENTER_MAIL_MAX_MESSAGE_BYTES,
        max_attachment_bytes=settings.HELPCENTER_MAIL_MAX_ATTACHMENT_BYTES,
        max_attachments=settings.HELPCENTER_MAIL_MAX_ATTACHMENTS,
        attachment_types=tuple(settings.HELPCENTER_MAIL_ATTACHMENT_TYPES),
        suggestions=settings.HELPCENTER_MAIL_SUGGESTIONS,
    )
