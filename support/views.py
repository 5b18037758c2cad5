from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.ratelimits import rate_limited

from . import notifications, search, selectors, services
from .conf import support_settings
from .forms import (
    AgentReplyForm,
    ContactForm,
    CustomerDataForm,
    CustomerReplyForm,
    QueueFilterForm,
    SavedReplyPickForm,
    TicketAssignForm,
    TicketMoveForm,
    TicketSearchForm,
    TicketStatusForm,
)
from .models import MessageKind, Region, Ticket, TicketSource


def _arrival_context(ticket: Ticket, created: services.TicketCreated) -> dict:
    return {
        "ticket": ticket,
        "open_now": created.open_now,
        "when": selectors.ticket_opening_phrase(ticket, created.opens_at, now=timezone.now()),
    }


@require_http_methods(["GET", "POST"])
@rate_limited(lambda: support_settings().contact_rate, methods=["POST"])
def contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.ticket_create(
                requester_email=data["email"],
                requester_name=data["name"],
                subject=data["subject"],
                message=data["message"],
                language=get_language(),
                customer_timezone=data["timezone"] or "UTC",
                source=TicketSource.WEB,
                idempotency_key=f"web:{data['submission']}",
            )
        except services.NoRegionError:
            form.add_error(
                None,
                _("We cannot take requests right now: no support team is set up. Please try again later."),
            )
        else:
            request.session["support.last_ticket"] = created.ticket.pk
            return render(request, "support/contact_done.html", _arrival_context(created.ticket, created))
    return render(request, "support/contact.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = notifications.ticket_from_token(token)
    if ticket is None:
        raise Http404(_("This link is not valid or has expired."))
    form = CustomerReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.ticket_customer_reply(ticket=ticket, body=form.cleaned_data["message"])
        messages.success(request, _("Your message was added to the request."))
        return redirect(request.path)
    conversation = ticket.messages.exclude(kind=MessageKind.NOTE).select_related("author")
    return render(
        request,
        "support/ticket_status.html",
        {"ticket": ticket, "conversation": conversation, "form": form},
        status=400 if form.errors else 200,
    )


def _staff_view(view):
    return login_required(permission_required("support.view_ticket", raise_exception=True)(view))


def _staff_render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "nav_regions": Region.objects.only("code")}, status=status)


def _transcript_lines(ticket: Ticket) -> list[dict]:
    """The chat transcript as agents read it: who spoke in words, times as dates, not ISO strings."""
    roles = {"customer": _("Customer"), "bot": _("Assistant")}
    lines = []
    for line in ticket.transcript or []:
        at = parse_datetime(line.get("at") or "") if isinstance(line.get("at"), str) else None
        # The assistant's confidence in each article it showed, as the probability it was right.
        shown = [
            {"title": a.get("title", ""), "likely": round(100 * float(a.get("confidence") or 0))}
            for a in line.get("articles") or []
            if isinstance(a, dict)
        ]
        lines.append(
            {**line, "who": roles.get(line.get("role"), line.get("role", "")), "at": at, "shown": shown}
        )
    return lines


def _fallback_notice(ticket: Ticket, filled: selectors.FilledReply) -> str:
    if not filled.fell_back:
        return ""
    return _(
        "This saved reply has no version in %(language)s yet: the English text was inserted. "
        "Translate it before sending."
    ) % {"language": language_name(ticket.language)}


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


@require_safe
@_staff_view
def overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return _staff_render(
        request,
        "support/agents/overview.html",
        {
            "now": now,
            "regions": selectors.regions_overview(now=now),
            "handoffs": selectors.recent_handoffs(),
            "failing_emails": selectors.emails_failing(),
        },
    )


@require_safe
@_staff_view
def queue(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tickets = selectors.region_queue(
        region=region,
        status=filters.get("status", ""),
        language=filters.get("language", ""),
        overdue=filters.get("overdue", False),
        now=timezone.now(),
    )
    return _staff_render(
        request,
        "support/agents/queue.html",
        {"region": region, "tickets": tickets, "filter_form": form, "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
@_staff_view
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = get_object_or_404(Ticket.objects.select_related("region", "assigned_to"), reference=reference)
    action = request.POST.get("action") if request.method == "POST" else None
    replies = selectors.saved_replies_for(ticket=ticket)
    filled = selectors.saved_replies_filled(ticket=ticket, agent=request.user, replies=replies)
    picker = SavedReplyPickForm(request.GET if "saved_reply" in request.GET else None, saved_replies=replies)
    picked = None
    reply_initial = {}
    if picker.is_bound and picker.is_valid():
        # Without JavaScript the picker reloads the page with the reply in the form, ready to edit.
        picked = next(f for f in filled if f.reply.pk == picker.cleaned_data["saved_reply"].pk)
        reply_initial = {
            "body": picked.text,
            "public": "0" if picker.cleaned_data["use_as"] == "note" else "1",
            "saved_reply": picked.reply.pk,
        }
    forms = {
        "reply": AgentReplyForm(
            request.POST if action == "reply" else None, initial=reply_initial, saved_replies=replies
        ),
        "status": TicketStatusForm(
            request.POST if action == "status" else None, initial={"status": ticket.status}
        ),
        "assign": TicketAssignForm(
            request.POST if action == "assign" else None,
            region=ticket.region,
            initial={"agent": ticket.assigned_to},
        ),
        "move": TicketMoveForm(request.POST if action == "move" else None, initial={"region": ticket.region}),
    }
    if action is not None:
        if not request.user.has_perm("support.change_ticket"):
            return render(request, "403.html", status=403)
        form = forms.get(action)
        if form is None:
            return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
        if form.is_valid():
            data = form.cleaned_data
            if action == "reply":
                services.ticket_reply(
                    ticket=ticket,
                    author=request.user,
                    body=data["body"],
                    public=data["public"],
                    saved_reply=data["saved_reply"],
                )
                messages.success(request, _("Reply sent.") if data["public"] else _("Note added."))
            elif action == "status":
                services.ticket_set_status(ticket=ticket, status=data["status"], actor=request.user)
                messages.success(request, _("Status updated."))
            elif action == "assign":
                services.ticket_assign(ticket=ticket, agent=data["agent"], actor=request.user)
                messages.success(request, _("Assignment updated."))
            elif action == "move":
                services.ticket_move(ticket=ticket, region=data["region"], actor=request.user)
                messages.success(request, _("Ticket moved to %(region)s.") % {"region": data["region"].code})
            return redirect(reverse("support:ticket", kwargs={"reference": ticket.reference}))
    return _staff_render(
        request,
        "support/agents/ticket.html",
        {
            "ticket": ticket,
            "conversation": ticket.messages.select_related("author"),
            "events": ticket.events.select_related("actor"),
            "emails": ticket.emails.all(),
            "transcript": _transcript_lines(ticket),
            "forms": forms,
            "picker": picker,
            "picked": picked,
            "picked_notice": _fallback_notice(ticket, picked) if picked else "",
            "saved_replies": filled,
            "saved_replies_data": [
                {"id": f.reply.pk, "text": f.text, "fallback": _fallback_notice(ticket, f)} for f in filled
            ],
            "now": timezone.now(),
        },
        status=400 if action or picker.errors else 200,
    )


@require_safe
@_staff_view
def report(request: HttpRequest) -> HttpResponse:
    try:
        days = max(1, min(365, int(request.GET.get("days", "30"))))
    except ValueError:
        days = 30
    data = selectors.tickets_report(since=timezone.now() - timedelta(days=days))
    peak = max([*data.by_hour_utc, *data.by_hour_local, 1])
    hours = [
        {
            "hour": h,
            "utc": data.by_hour_utc[h],
            "local": data.by_hour_local[h],
            "utc_pct": round(100 * data.by_hour_utc[h] / peak),
            "local_pct": round(100 * data.by_hour_local[h] / peak),
        }
        for h in range(24)
    ]
    return _staff_render(
        request, "support/agents/report.html", {"report": data, "hours": hours, "days": days}
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("support.manage_customer_data", raise_exception=True)
def customer_data(request: HttpRequest) -> HttpResponse:
    """Export (JSON download) or erase everything stored about one customer's address."""
    form = CustomerDataForm(request.POST or None)
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and action not in ("export", "erase"):
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
    if action and form.is_valid():
        email = form.cleaned_data["email"]
        if action == "export":
            data = services.customer_data_export(email=email)
            response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
            stamp = timezone.now().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="customer-data-{stamp}.json"'
            return response
        erasure = services.customer_data_erase(email=email, actor=request.user, via="staff page")
        messages.success(
            request,
            ngettext("Erased: %(count)d record changed.", "Erased: %(count)d records changed.", erasure.total)
            % {"count": erasure.total},
        )
        return redirect(reverse("support:customer_data"))
    return _staff_render(
        request, "support/agents/customer_data.html", {"form": form}, status=400 if form.errors else 200
    )


@require_safe
@_staff_view
def ticket_search(request: HttpRequest) -> HttpResponse:
    """Words, a reference or an address, over every ticket's subject, messages and notes."""
    form = TicketSearchForm(request.GET or None)
    hits, searched = [], False
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        day = timedelta(days=1)
        zone = timezone.get_current_timezone()

        def start_of(date):
            return datetime.combine(date, datetime.min.time(), tzinfo=zone)

        filters = search.Filters(
            region_id=data["region"].pk if data["region"] else None,
            status=data["status"],
            language=data["language"],
            since=start_of(data["since"]) if data["since"] else None,
            until=start_of(data["until"]) + day if data["until"] else None,
        )
        hits, searched = search.ticket_search(query=data["q"], filters=filters), True
    return _staff_render(
        request,
        "support/agents/search.html",
        {"form": form, "hits": hits, "searched": searched, "partial": bool(hits) and not hits[0].all_words},
        status=400 if form.errors else 200,
    )
