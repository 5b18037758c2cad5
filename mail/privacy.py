"""mail's part of a customer data export or erasure (registered in core.privacy by MailConfig).

What mail stores about a customer: every e-mail they sent us, raw and decoded, with its
attachments. Erasure deletes the raw bytes and the attachment files (through the storage API) and
blanks the decoded text and addresses; the row stays (status, dates, mailbox) for the counts."""

from __future__ import annotations

from core.privacy import ERASED_TEXT, erased_address

from .models import InboundEmail


def _emails(email: str):
    return InboundEmail.objects.filter(from_address__iexact=email).prefetch_related("attachments")


def export(email: str) -> list[dict]:
    records = []
    for inbound in _emails(email).order_by("pk"):
        records.append(
            {
                "type": "inbound_email",
                "message_id": inbound.message_id,
                "received_at": inbound.received_at.isoformat(),
                "from": inbound.from_address,
                "from_name": inbound.from_name,
                "to": inbound.to,
                "subject": inbound.subject,
                "status": inbound.status,
                "text": inbound.text,
                # The message as it arrived, for the customer to keep (RFC 5322 text, lossless).
                "raw": bytes(inbound.raw)
                .decode("utf-8", "surrogateescape")
                .encode("utf-8", "backslashreplace")
                .decode(),
                "attachments": [
                    {
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "refused": a.refused,
                    }
                    for a in inbound.attachments.all()
                ],
            }
        )
    return records


def erase(email: str) -> int:
    changed = 0
    for inbound in _emails(email):
        for attachment in inbound.attachments.all():
            if attachment.file:
                attachment.file.delete(save=False)
        inbound.attachments.all().delete()
        inbound.raw = b""
        inbound.size = 0
        inbound.from_address = erased_address(f"mail{inbound.pk}")
        inbound.from_name = ""
        inbound.to = ""
        inbound.subject = ERASED_TEXT
        inbound.text = inbound.new_text = inbound.html = ""
        inbound.save()
        changed += 1
    return changed
