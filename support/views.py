from datetime import datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.compression import compressed_public_page
from core.ratelimits import rate_limited
from kb.models import Article
from kb.pagecache import cached_public_page

from . import heatmap, notifications, search, selectors, services
from .conf import support_settings
from .forms import (
    AgentReplyForm,
    ContactForm,
    CustomerDataForm,
    CustomerReplyForm,
    DeflectionForm,
    QueueFilterForm,
    SatisfactionForm,
    SavedReplyPickForm,
    TicketAssignForm,
    TicketMoveForm,
    TicketSearchForm,
    TicketStatusForm,
)
from .models import Region, Ticket, TicketSource
from .zones import ZoneChoice, zone_choice, zone_options

CONTACT_DRAFT = "support.contact_draft"
# The visitor's IANA time zone, set by static/js/timezone.js from the browser's own setting.
TIMEZONE_COOKIE = "hc_tz"


def visitor_zone(request: HttpRequest) -> ZoneChoice:
    """The zone to show times in (support/zones.py's rule): ?tz= if it is a known zone, else the
    browser's cookie, else UTC; a bad ?tz= is reported and does not replace the cookie's zone."""
    return zone_choice(request.GET.get("tz", ""), request.COOKIES.get(TIMEZONE_COOKIE, ""))


def _support_page_vary(request: HttpRequest) -> str:
    # The page is built for a zone and a minute ("opens in 3 hours") and from the regions' setup.
    zone = visitor_zone(request)
    minute = int(timezone.now().timestamp() // 60)
    content = selectors.support_content_version()
    # Whether a bad zone was given, not which: the notice does not repeat it, and every distinct
    # value must not make a page of its own in the cache.
    return f"{zone.name}|{zone.source}|{bool(zone.rejected)}|{minute}|{content!r}"


@require_safe
@cached_public_page(vary=_support_page_vary, timeout=60)
def support_hours(request: HttpRequest) -> HttpResponse:
    """Public: which team answers which languages, their hours in the visitor's zone, who is on
    shift, when the next team opens, closed days and the usual wait for a first reply."""
    zone = visitor_zone(request)
    context = selectors.support_page(
        language=get_language(), zone=zone.zone, now=timezone.now(), zone_known=zone.is_visitors
    )
    return render(
        request,
        "support/hours.html",
        {
            **context,
            "zone": zone,
            "timezone_cookie": TIMEZONE_COOKIE,
            "zone_options": zone_options(timezone.now()),
        },
    )


def _outlook_context(request: HttpRequest) -> dict:
    """The one line "who answers, in which language, when, and the usual wait" for this visitor."""
    zone = visitor_zone(request)
    now = timezone.now()
    outlook = selectors.language_outlook(language=get_language(), now=now)
    if outlook is None:
        return {"zone": zone}
    return {
        "zone": zone,
        "outlook": notifications.outlook_parts(outlook, zone.zone, now=now, zone_known=zone.is_visitors),
    }


def _arrival_context(ticket: Ticket, created: services.TicketCreated) -> dict:
    return {
        "ticket": ticket,
        "open_now": created.open_now,
        "when": selectors.ticket_opening_phrase(ticket, created.opens_at, now=timezone.now()),
    }


@compressed_public_page
@require_http_methods(["GET", "POST"])
@rate_limited(lambda: support_settings().contact_rate, methods=["POST"])
def ticket_solved(request: HttpRequest, token: str) -> HttpResponse:
    """ "This solved my problem" from the acknowledgement e-mail. The link asks first (GET) and the
    button closes the ticket (POST): mail scanners that open every link change nothing."""
    found = notifications.solved_from_token(token)
    article = Article.objects.filter(pk=found[1]).first() if found else None
    if found is None or article is None:
        return render(request, "support/ticket_solved.html", {"invalid": True}, status=404)
    ticket = found[0]
    if request.method == "POST":
        services.ticket_solved_by_article(ticket=ticket, article=article)
        return render(
            request, "support/ticket_solved.html", {"ticket": ticket, "article": article, "done": True}
        )
    return render(request, "support/ticket_solved.html", {"ticket": ticket, "article": article})


@require_http_methods(["GET", "POST"])
@rate_limited(lambda: support_settings().contact_rate, methods=["POST"])
def contact(request: HttpRequest) -> HttpResponse:
    # Back from "This answered my question" to send it after all: what the customer had written.
    resume = request.method == "GET" and "resume" in request.GET
    draft = request.session.pop(CONTACT_DRAFT, None) if resume else None
    form = ContactForm(request.POST or None, initial=draft)
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
                category=data["topic"],
            )
        except services.NoRegionError:
            form.add_error(
                None,
                _("We cannot take requests right now: no support team is set up. Please try again later."),
            )
        else:
            request.session["support.last_ticket"] = created.ticket.pk
            return render(request, "support/contact_done.html", _arrival_context(created.ticket, created))
    return render(
        request,
        "support/contact.html",
        {"form": form, **_outlook_context(request)},
        status=400 if form.errors else 200,
    )


@require_POST
@rate_limited(lambda: support_settings().contact_rate)
def contact_answered(request: HttpRequest) -> HttpResponse:
    """ "This answered my question" under a suggested article: counted, and no ticket is sent."""
    form = DeflectionForm(request.POST)
    if not form.is_valid():
        return render(request, "support/contact_answered.html", {"invalid": True}, status=400)
    article = form.cleaned_data["article"]
    services.deflection_record(
        submission=form.cleaned_data["submission"], language=get_language(), article=article
    )
    # Kept for "Still stuck? Contact support" (the form shown again as it was), in the session only.
    fields = ContactForm.base_fields
    request.session[CONTACT_DRAFT] = {
        name: request.POST.get(name, "")[: getattr(fields[name], "max_length", None) or 20]
        for name in ("name", "email", "subject", "message", "topic")
    }
    return render(request, "support/contact_answered.html", {"article": article})


@require_http_methods(["GET", "POST"])
@rate_limited(lambda: support_settings().contact_rate, methods=["POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """ "How did we do?" for a solved ticket, through its signed link: one answer per ticket, which
    can be changed until the survey closes; a forged, tampered or expired link is a 404."""
    now = timezone.now()
    found = notifications.survey_from_token(token, now=now)
    if found is None:
        raise Http404(_("This link is not valid or has expired."))
    initial = {"rating": found.rating or request.GET.get("rating", ""), "comment": found.comment}
    form = SatisfactionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.satisfaction_answer(
                survey=found,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                now=now,
            )
        except services.SurveyClosed:
            raise Http404(_("This link is not valid or has expired.")) from None
        page = selectors.survey_page(survey=found)
        messages.success(
            request,
            _("Thank you! You can change your answer until %(date)s (%(timezone)s).")
            % {
                "date": formats.date_format(page["closes"], "DATETIME_FORMAT"),
                "timezone": page["customer_zone"],
            },
        )
        return redirect(request.path)
    return render(
        request,
        "support/survey.html",
        {**selectors.survey_page(survey=found), "form": form, "token": token},
        status=400 if form.errors else 200,
    )


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
    page = selectors.ticket_status_page(ticket=ticket, now=timezone.now())
    return render(
        request,
        "support/ticket_status.html",
        {
            **page,
            "form": form,
            "survey_form": SatisfactionForm(
                initial={"rating": page["survey"].rating, "comment": page["survey"].comment}
            )
            if page["survey"]
            else None,
        },
        status=400 if form.errors else 200,
    )


def _staff_view(view):
    return login_required(permission_required("support.view_ticket", raise_exception=True)(view))


def in_agents_zone(view):
    """Times on the page in the agent's own zone (selectors.agent_zone), not UTC."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with timezone.override(selectors.agent_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper


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
    ) % {"language": notifications.language_name(ticket.language)}


def _cursor(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    if value == "":
        return None
    if not value.isdigit():
        raise ValueError(name)
    return int(value)


@require_safe
@_staff_view
@rate_limited(lambda: support_settings().staff_poll_rate)
def live_events(request: HttpRequest) -> JsonResponse:
    """The plain-HTTP fallback of `/ws/agents/`, for browsers and proxies without WebSockets: the
    events since `?tickets=<id>&messages=<id>` (none and the current cursor without them), and the
    page's heartbeat (`active=1` when the agent used it) as the socket's."""
    try:
        tickets_after, messages_after = _cursor(request, "tickets"), _cursor(request, "messages")
    except ValueError as error:
        return JsonResponse({"error": _("%(name)s must be a number.") % {"name": str(error)}}, status=400)
    services.agent_seen(user=request.user, active=request.GET.get("active") == "1", now=timezone.now())
    found = selectors.staff_events_after(tickets_after=tickets_after, messages_after=messages_after)
    return JsonResponse(
        {"events": found.events, "tickets": found.tickets_after, "messages": found.messages_after}
    )


@require_safe
@_staff_view
@in_agents_zone
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
@in_agents_zone
def queue(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code__iexact=code)
    if region.code != code:
        # /emea/ as well as /EMEA/: sent to the one address the pages link.
        url = reverse("support:queue", kwargs={"code": region.code})
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
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
@in_agents_zone
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
            "satisfaction": selectors.ticket_satisfaction(ticket),
            "forms": forms,
            "picker": picker,
            "picked": picked,
            "picked_notice": _fallback_notice(ticket, picked) if picked else "",
            "saved_replies": filled,
            "saved_replies_data": [
                {"id": f.reply.pk, "text": f.text, "fallback": _fallback_notice(ticket, f)} for f in filled
            ],
            "now": timezone.now(),
            # "Assign to me" when the agent is on the ticket's region's team (the assign form's choices).
            "may_take": ticket.region.agents.filter(pk=request.user.pk).exists(),
            "history": selectors.customer_history(ticket),
        },
        status=400 if action or picker.errors else 200,
    )


def _heatmap_table(counts: list[list[int]], uncovered: list[list]) -> list[dict]:
    return [
        {
            "day": WEEKDAYS[day],
            "abbr": WEEKDAYS_ABBR[day],
            "hours": [
                {"count": counts[day][hour], "uncovered": bool(uncovered[day][hour])} for hour in range(24)
            ],
        }
        for day in range(7)
    ]


def _busiest(counts: list[list[int]]) -> dict | None:
    count, day, hour = max((counts[d][h], -d, -h) for d in range(7) for h in range(24))
    return {"day": WEEKDAYS[-day], "hour": f"{-hour:02d}:00", "count": count} if count else None


def _heatmaps(arrivals: selectors.Arrivals) -> list[dict]:
    """The two heatmaps of the report: UTC with each region's regular hours drawn under every day
    (and the hours nobody covers outlined), and the customers' own local time with the cells where
    tickets arrived while nobody was on shift outlined."""
    codes = sorted({code for day in arrivals.coverage for cell in day for code in cell})
    codes = [r.code for r in Region.objects.only("code") if r.code in codes]
    nobody = [[not arrivals.coverage[d][h] for h in range(24)] for d in range(7)]
    regions = [
        (code, [[code in arrivals.coverage[d][h] for h in range(24)] for d in range(7)]) for code in codes
    ]
    utc = heatmap.layout(arrivals.utc, uncovered=nobody, regions=regions)
    local_uncovered = [[arrivals.local_uncovered[d][h] > 0 for h in range(24)] for d in range(7)]
    local = heatmap.layout(arrivals.local, uncovered=local_uncovered)
    return [
        {
            "id": "utc",
            "title": _("When tickets arrive (UTC), with each region's hours"),
            "layout": utc,
            "days": [WEEKDAYS_ABBR[d] for d in range(7)],
            "busiest": _busiest(arrivals.utc),
            "uncovered_hours": sum(row.count(True) for row in nobody),
            "legend": [
                (code, heatmap.REGION_COLORS[i % len(heatmap.REGION_COLORS)]) for i, code in enumerate(codes)
            ],
            "table": _heatmap_table(arrivals.utc, nobody),
        },
        {
            "id": "local",
            "title": _("When tickets arrive (customers' local time)"),
            "layout": local,
            "days": [WEEKDAYS_ABBR[d] for d in range(7)],
            "busiest": _busiest(arrivals.local),
            "arrived_uncovered": sum(map(sum, arrivals.local_uncovered)),
            "legend": [],
            "table": _heatmap_table(arrivals.local, arrivals.local_uncovered),
        },
    ]


@require_safe
@_staff_view
def report(request: HttpRequest) -> HttpResponse:
    try:
        days = max(1, min(365, int(request.GET.get("days", "30"))))
    except ValueError:
        days = 30
    now = timezone.now()
    since = now - timedelta(days=days)
    data = selectors.tickets_report(since=since)
    satisfaction = selectors.satisfaction_report(since=since)
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
        request,
        "support/agents/report.html",
        {
            "report": data,
            "hours": hours,
            "days": days,
            "deflections": selectors.deflection_report(since=since),
            "satisfaction": satisfaction,
            "heatmaps": _heatmaps(selectors.ticket_arrivals(since=since, now=now)),
            "satisfaction_groups": [
                (_("Region"), satisfaction.by_region),
                (_("Language"), satisfaction.by_language),
                (_("Agent"), satisfaction.by_agent),
            ],
        },
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
@in_agents_zone
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
