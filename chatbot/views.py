"""The chat JSON API and the full-page chat. Views validate, call one service, and serialise."""

import json
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from modeltranslation.utils import build_localized_fieldname

from core.compression import compressed_public_page
from core.languages import is_site_language
from core.ratelimits import rate_limited
from kb.languages import written_in_notice

from . import live, selectors, services
from .conf import chat_settings
from .forms import (
    BotReportForm,
    EscalateForm,
    FeedbackForm,
    MessageForm,
    ProposalDecisionForm,
    StartForm,
    SuggestForm,
)
from .models import Conversation, Role

MAX_BODY_BYTES = 16 * 1024


def _rate():
    return chat_settings().rate


def _error(status: int, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


# The browser that started a conversation holds a random secret in this cookie; conversations store
# only its keyed hash. A cookie of its own, not the Django session: a session has to be written to
# the database (twice, when new) before the first answer, and chatting needs nothing else from it.
OWNER_COOKIE = "hc_chat"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def _owner_token(request: HttpRequest) -> str | None:
    token = request.COOKIES.get(OWNER_COOKIE, "")
    return token if _TOKEN.fullmatch(token) else None


def _owner(token: str) -> str:
    return salted_hmac("chatbot.owner", token, algorithm="sha256").hexdigest()


def _set_owner_cookie(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        OWNER_COOKIE,
        token,
        max_age=settings.SESSION_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def _json_body(request: HttpRequest) -> dict | JsonResponse:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Refused before reading: a 10 MB body never reaches memory.
    if declared > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return _error(413, _("The request is too large."))
    if request.content_type != "application/json":
        return _error(415, _("Send JSON (Content-Type: application/json)."))
    try:
        data = json.loads(request.body.decode("utf-8"))
        # JSON may spell lone surrogates (\ud800), which no database can store as text.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError, json.JSONDecodeError, RecursionError):
        return _error(400, _("The request body is not valid JSON."))
    if not isinstance(data, dict):
        return _error(400, _("The request body must be a JSON object."))
    if any(isinstance(value, (list, dict)) for value in data.values()):
        # Django's form fields would turn ["a"] into the text "['a']".
        return _error(400, _("Each field must be a single value, not a list or an object."))
    return data


def _conversation(request: HttpRequest, conversation_id) -> Conversation | None:
    """The conversation if this browser started it (its owner cookie); anyone else gets a 404, as if
    it did not exist."""
    token = _owner_token(request)
    if token is None:
        return None
    # No join with the ticket: only escalated conversations need it, and they load it when they do.
    conversation = Conversation.objects.filter(pk=conversation_id, owner=_owner(token)).first()
    if conversation is not None:
        # The API lives outside the language prefixes: its messages (form errors included) follow
        # the conversation's language, the page's, not the browser's Accept-Language.
        translation.activate(conversation.language)
    return conversation


def _card(article: dict, language: str) -> dict:
    card = {key: article[key] for key in ("slug", "title", "url", "snippet")}
    written_in = article.get("language") or language
    card["language"] = written_in
    # An article not translated yet: the card says so, naming the language in the customer's.
    card["notice"] = written_in_notice(written_in, language) if written_in != language else ""
    return card


def _reply_json(reply: services.Reply) -> dict:
    return {
        "reply": {
            "id": reply.message.pk if reply.message else None,
            "kind": reply.kind,
            "text": reply.text,
            "follow_up": reply.follow_up,
            "language": reply.language,
            "articles": [_card(a, reply.language) for a in reply.articles],
        }
    }


def _form_errors(form) -> JsonResponse:
    """400 with every field's errors and, as the message to show, the first of them (what to fix,
    not only that something is wrong)."""
    fields = {k: [str(e) for e in v] for k, v in form.errors.items()}
    first = next((errors[0] for errors in fields.values() if errors), "")
    return _error(400, first or _("Please check what you sent."), fields)


@require_POST
@rate_limited(_rate)
def start(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data
    form = StartForm(data)
    if not form.is_valid():
        if form.cleaned_data.get("language"):
            # Said in the language the conversation was to be in (a bad time zone, say).
            translation.activate(form.cleaned_data["language"])
        return _form_errors(form)
    token = _owner_token(request) or secrets.token_urlsafe(32)
    conversation, greeting = services.conversation_start(
        language=form.cleaned_data["language"],
        # "" when the widget did not say: replies then give times in UTC, not "your time".
        timezone_name=form.cleaned_data["timezone"],
        owner=_owner(token),
    )
    response = JsonResponse(
        {
            "id": str(conversation.id),
            "language": conversation.language,
            "status": conversation.status,
            "greeting": {"id": greeting.pk, "text": greeting.text},
        },
        status=201,
    )
    _set_owner_cookie(response, token)
    return response


@require_safe
def detail(request: HttpRequest, conversation_id) -> JsonResponse:
    conversation = _conversation(request, conversation_id)
    if conversation is None:
        return _error(404, _("There is no such conversation."))
    return JsonResponse(
        {
            "id": str(conversation.id),
            "language": conversation.language,
            "status": conversation.status,
            "ticket": conversation.ticket.reference if conversation.ticket else None,
            "live_status": conversation.live_status,
            "messages": [
                {
                    "id": m.pk,
                    "role": m.role,
                    "text": m.text,
                    "follow_up": m.follow_up,
                    "kind": m.decision,
                    "link": m.link,
                    "name": live.agent_public_name(m.author) if m.role == Role.AGENT else "",
                    "articles": [_card(a, m.language or conversation.language) for a in m.articles],
                }
                for m in conversation.messages.filter(internal=False).select_related("author__agent_profile")
            ],
        }
    )


@require_safe
@rate_limited(lambda: chat_settings().poll_rate)
def events(request: HttpRequest, conversation_id) -> JsonResponse:
    """The plain-HTTP fallback of the chat's socket: every message after `?after=<id>` and the
    live status, for browsers and proxies without WebSockets (the widget polls it)."""
    conversation = _conversation(request, conversation_id)
    if conversation is None:
        return _error(404, _("There is no such conversation."))
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        return _error(400, _("after must be a message id (a number)."))
    return JsonResponse(
        {"messages": live.messages_after(conversation, max(after, 0)), **live.status_json(conversation)}
    )


def _conversation_and_form(request: HttpRequest, conversation_id, form_class):
    """The caller's conversation and its validated JSON form, or the error response to return."""
    conversation = _conversation(request, conversation_id)
    if conversation is None:
        return _error(404, _("There is no such conversation.")), None
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data, None
    form = form_class(data)
    if not form.is_valid():
        return _form_errors(form), None
    return conversation, form


@require_POST
@rate_limited(_rate)
def message(request: HttpRequest, conversation_id) -> JsonResponse:
    conversation, form = _conversation_and_form(request, conversation_id, MessageForm)
    if form is None:
        return conversation
    if conversation.live_status in live.LIVE:
        # With a person (or waiting for one): the message goes to them, not to the bot.
        if not form.cleaned_data["text"]:
            return _error(400, _("Type a message."))
        try:
            sent = live.live_customer_message(conversation=conversation, text=form.cleaned_data["text"])
        except live.LiveChatError:
            return _error(409, _("This chat is not with a person any more."))
        return JsonResponse({"message": live.message_json(sent)})
    if form.cleaned_data["action"] == "person":
        return JsonResponse(_reply_json(services.conversation_request_person(conversation=conversation)))
    return JsonResponse(
        _reply_json(services.conversation_message(conversation=conversation, text=form.cleaned_data["text"]))
    )


@require_POST
@rate_limited(_rate)
def feedback(request: HttpRequest, conversation_id) -> JsonResponse:
    conversation, form = _conversation_and_form(request, conversation_id, FeedbackForm)
    if form is None:
        return conversation
    target = conversation.messages.filter(pk=form.cleaned_data["message"], role=Role.BOT).first()
    if target is None:
        return _error(404, _("There is no such message in this conversation."))
    reply = services.conversation_feedback(
        conversation=conversation, message=target, helpful=form.cleaned_data["helpful"]
    )
    return JsonResponse(_reply_json(reply))


@require_POST
@rate_limited(_rate)
def escalate(request: HttpRequest, conversation_id) -> JsonResponse:
    conversation, form = _conversation_and_form(request, conversation_id, EscalateForm)
    if form is None:
        return conversation
    if conversation.live_status not in live.LIVE:
        # Someone can chat now: the customer waits in line instead (the address is kept in case the
        # chat cannot go on). Else, as before, a ticket.
        waiting = live.live_request(
            conversation=conversation,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            now=timezone.now(),
        )
        if waiting is not None:
            return JsonResponse(
                {
                    "live": {
                        "position": waiting.position,
                        "wait_minutes": waiting.wait_minutes,
                        "socket": f"/ws/chat/{conversation.pk}/",
                        "events": reverse("chat_api:events", kwargs={"conversation_id": conversation.pk}),
                    },
                    "text": waiting.text,
                },
                status=202,
            )
    try:
        result = services.conversation_escalate(
            conversation=conversation, email=form.cleaned_data["email"], name=form.cleaned_data["name"]
        )
    except services.NoRegionError:
        return _error(503, _("No support team is set up to take requests right now. Please try again later."))
    ticket = result.created.ticket
    with translation.override(conversation.language):
        # In the customer's language: the team's translated name and the support page's address.
        region_name, support_url = ticket.region.name, reverse("support:hours")
    return JsonResponse(
        {
            "ticket": {
                "reference": ticket.reference,
                "region": ticket.region.code,
                "region_name": region_name,
                "opens_at": result.created.opens_at.isoformat(),
                "open_now": result.created.open_now,
            },
            "text": result.text,
            "support_url": support_url,
        },
        status=201 if result.created.created else 200,
    )


@require_safe
@login_required
@permission_required("kb.change_article", raise_exception=True)
def content_gaps(request: HttpRequest) -> HttpResponse:
    """For editors: unanswered chat questions and failed searches in one language, grouped."""
    language = request.GET.get("language", "")
    if not is_site_language(language):
        language = get_language()
    try:
        days = max(1, min(365, int(request.GET.get("days", "30"))))
    except ValueError:
        days = 30
    gaps = selectors.content_gaps(language=language, since=timezone.now() - timedelta(days=days))
    field = build_localized_fieldname
    add_article = reverse("admin:kb_article_add")
    rows = [
        {
            "gap": gap,
            "create_url": add_article
            + "?"
            + urlencode(
                {
                    field("title", language): gap.representative,
                    field("questions", language): "\n".join(gap.examples),
                }
            ),
        }
        for gap in gaps
    ]
    return render(request, "chatbot/gaps.html", {"rows": rows, "language": language, "days": days})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("kb.change_article", raise_exception=True)
def customers_also_ask(request: HttpRequest) -> HttpResponse:
    """For editors: what customers asked in their own words, per article and language, offered as
    new sample phrasings; one click accepts (through kb's write) or dismisses a group."""
    language = request.GET.get("language", "")
    if not is_site_language(language):
        language = get_language()
    try:
        days = max(1, min(365, int(request.GET.get("days", "90"))))
        article_id = int(request.GET["article"]) if request.GET.get("article") else None
    except ValueError:
        return HttpResponse(_("Days and article must be numbers."), status=400, content_type="text/plain")
    status = 200
    if request.method == "POST":
        form = ProposalDecisionForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["action"] == "accept":
                    added = services.phrasing_proposals_accept(
                        ids=form.cleaned_data["ids"], text=form.cleaned_data["text"], user=request.user
                    )
                    messages.success(
                        request,
                        _("Added to the sample questions: “%(text)s”.") % {"text": form.cleaned_data["text"]}
                        if added
                        else _("The article already had this sample question."),
                    )
                else:
                    services.phrasing_proposals_dismiss(ids=form.cleaned_data["ids"], user=request.user)
                    messages.success(request, _("Dismissed: it will not be offered again."))
                return redirect(request.get_full_path())
            except services.ProposalError as exc:
                messages.error(request, str(exc))
        else:
            messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        status = 400
    else:
        # Idempotent: gathers what customers asked since, so the page is current when it opens.
        services.phrasing_proposals_collect(since=timezone.now() - timedelta(days=days))
    articles = selectors.phrasing_proposal_groups(language=language, article_id=article_id)
    return render(
        request,
        "chatbot/customers_also_ask.html",
        {"articles": articles, "language": language, "days": days, "article_id": article_id},
        status=status,
    )


@require_safe
@login_required
@permission_required("kb.change_article", raise_exception=True)
def confidence_report(request: HttpRequest) -> HttpResponse:
    """For editors: per language, what the assistant did with the help center's own sample
    questions and with off-topic ones when its engine was last built (its calibration)."""
    return render(request, "chatbot/confidence.html", {"rows": selectors.confidence_rows()})


@require_safe
@login_required
@permission_required("chatbot.view_bot_report", raise_exception=True)
def bot_report(request: HttpRequest) -> HttpResponse:
    """For owners: per language and week, the conversations, answered, confirmed helpful, handed to
    a person and resolved by the bot, with the trend; as a page or a CSV file."""
    form = BotReportForm(request.GET)
    hours = int(selectors.RESOLVED_AFTER.total_seconds() // 3600)
    if not form.is_valid():
        context = {"form": form, "languages": [], "weeks": 8, "hours": hours}
        return render(request, "chatbot/bot_report.html", context, status=400)
    weeks, output = form.cleaned_data["weeks"], form.cleaned_data["format"]
    rows = selectors.bot_resolution_report(weeks=weeks, now=timezone.now())
    if output == "csv":
        return _bot_report_csv(rows)
    codes = {row.language for row in rows}
    names = {code: translation.get_language_info(code)["name_translated"] for code in codes}
    languages = []
    for row in rows:
        if not languages or languages[-1]["code"] != row.language:
            languages.append({"code": row.language, "name": names[row.language], "rows": []})
        languages[-1]["rows"].append(row)
    return render(
        request,
        "chatbot/bot_report.html",
        {"form": form, "languages": languages, "weeks": weeks, "hours": hours},
    )


def _bot_report_csv(rows) -> HttpResponse:
    import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="assistant-resolution.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "language",
            "week",
            "conversations",
            "answered",
            "confirmed_helpful",
            "handed_to_person",
            "resolved_by_bot",
            "undecided",
            "resolution_rate_percent",
            "trend_points",
        ]
    )
    for row in rows:
        rate = row.resolution_rate
        writer.writerow(
            [
                row.language,
                row.week.isoformat(),
                row.conversations,
                row.answered,
                row.helpful,
                row.handed_over,
                row.resolved,
                row.undecided,
                "" if rate is None else f"{rate:.1f}",
                "" if row.trend is None else f"{row.trend:+.1f}",
            ]
        )
    return response


# Fewer characters than this say too little to suggest anything.
MIN_SUGGEST_CHARS = 8


@require_POST
@rate_limited(lambda: chat_settings().suggest_rate)
def contact_suggestions(request: HttpRequest) -> JsonResponse:
    """For the contact form while the customer types (a form POST with its CSRF token): up to three
    articles in the page's language that may answer the question already."""
    form = SuggestForm(request.POST)
    if not form.is_valid():
        return _form_errors(form)
    text = form.text()
    if len(text) < MIN_SUGGEST_CHARS:
        return JsonResponse({"articles": []})
    language = get_language()
    cards = services.contact_form_suggestions(text=text, language=language)
    return JsonResponse(
        {
            "articles": [
                {**_card(card, language), "id": card["id"], "confidence": round(card["confidence"], 3)}
                for card in cards
            ]
        }
    )


@compressed_public_page
def chat_page(request: HttpRequest) -> HttpResponse:
    return render(request, "chatbot/chat.html")
