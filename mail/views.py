"""Agents' pages for e-mail: one e-mail (new part, full text, sanitised HTML, attachments), the
e-mails waiting for a decision, and attachment downloads with a safe content type."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from support.models import Region

from . import selectors, services
from .models import InboundAttachment, InboundEmail

# Types a browser may show inline; everything else downloads as application/octet-stream.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _staff(view):
    return login_required(permission_required("support.view_ticket", raise_exception=True)(view))


def _render(request, template, context, status=200):
    return render(request, template, {**context, "nav_regions": Region.objects.only("code")}, status=status)


def _with_cid_images(email: InboundEmail, markup: str) -> str:
    """The sanitised HTML with its cid: images pointing at their stored attachments."""
    by_cid = {a.content_id.strip("<>"): a for a in email.attachments.all() if a.content_id and a.file}

    def swap(match: re.Match) -> str:
        attachment = by_cid.get(match.group(2))
        return f'{match.group(1)}"{attachment_url(attachment)}"' if attachment else f'{match.group(1)}""'

    return re.sub(r'(src=)"cid:([^"]*)"', swap, markup)


def attachment_url(attachment: InboundAttachment) -> str:
    from django.urls import reverse

    return reverse("mail:attachment", kwargs={"pk": attachment.pk})


@require_safe
@_staff
def email_detail(request: HttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(InboundEmail.objects.defer("raw").select_related("ticket", "mailbox"), pk=pk)
    return _render(
        request,
        "mail/email.html",
        {"email": email, "html": _with_cid_images(email, email.html), "attachments": email.attachments.all()},
    )


@require_safe
@_staff
def email_of_message(request: HttpRequest, message_pk: int) -> HttpResponse:
    """The e-mail a ticket message came in with (the ticket page links each message here)."""
    email = InboundEmail.objects.filter(ticket_message_id=message_pk).only("pk").first()
    if email is None:
        raise Http404(_("This message did not come by e-mail."))
    return redirect("mail:email", pk=email.pk)


@require_safe
@_staff
def held(request: HttpRequest) -> HttpResponse:
    return _render(request, "mail/held.html", {"emails": selectors.held_emails()[:200]})


@require_POST
@_staff
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("support.change_ticket"):
        return render(request, "403.html", status=403)
    email = get_object_or_404(InboundEmail.objects.defer("raw"), pk=pk)
    decision = request.POST.get("decision")
    if decision == "accept":
        services.held_accept(email=email, actor=request.user)
        messages.success(request, _("The e-mail was added to the ticket."))
    elif decision == "reject":
        services.held_reject(email=email, actor=request.user)
        messages.success(request, _("The e-mail was rejected; it stays stored but not in the ticket."))
    else:
        return HttpResponse(_("Unknown decision."), status=400, content_type="text/plain; charset=utf-8")
    return redirect("mail:held")


@require_safe
@_staff
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = get_object_or_404(InboundAttachment, pk=pk)
    if not item.file:
        raise Http404(_("This attachment was refused and not stored."))
    inline = item.content_type in INLINE_TYPES
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=not inline,
        filename=item.filename,
        content_type=item.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
