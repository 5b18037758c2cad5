"""The agents' live chats: the workspace (presence, the lines of their regions, the chats they hold)
and one chat (transcript with what the bot showed, replies and internal notes, transfer, close).
Thin: every write is a chatbot.live service; the socket (chatbot/consumers.py) carries the rest."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.ratelimits import rate_limited
from support.conf import support_settings
from support.models import AgentProfile, Region
from support.selectors import agent_presence
from support.services import agent_presence_set, agent_seen, agent_timezone_set

from . import live
from .forms import MAX_MESSAGE_CHARS
from .live_forms import AgentMessageForm, AgentTimezoneForm, PresenceForm, TransferForm
from .models import Conversation, LiveStatus


def _agent_view(view):
    return login_required(permission_required("support.view_ticket", raise_exception=True)(view))


def _writer_view(view):
    return login_required(permission_required("support.change_ticket", raise_exception=True)(view))


def _render(request, template, context, status=200):
    return render(request, template, {**context, "nav_regions": Region.objects.only("code")}, status=status)


@require_safe
@_agent_view
def workspace(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return _render(
        request,
        "chatbot/agents/workspace.html",
        {
            "presence": agent_presence(request.user, now=now),
            "presence_form": PresenceForm(initial={"presence": agent_presence(request.user, now=now)}),
            "timezone_form": AgentTimezoneForm(
                initial={
                    "timezone": AgentProfile.objects.filter(user=request.user)
                    .values_list("timezone", flat=True)
                    .first()
                    or ""
                }
            ),
            "waiting": live.waiting_chats(request.user),
            "mine": live.my_chats(request.user),
        },
    )


@require_POST
@_agent_view
def presence(request: HttpRequest) -> HttpResponse:
    form = PresenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose online, away or offline."))
        return redirect("chatbot:live_workspace")
    agent_presence_set(user=request.user, presence=form.cleaned_data["presence"], now=timezone.now())
    return redirect("chatbot:live_workspace")


@require_POST
@_agent_view
def agent_timezone(request: HttpRequest) -> HttpResponse:
    form = AgentTimezoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a time zone from the list."))
        return redirect("chatbot:live_workspace")
    agent_timezone_set(user=request.user, timezone_name=form.cleaned_data["timezone"])
    messages.success(request, _("Times on the agents' pages are now shown in your time zone."))
    return redirect("chatbot:live_workspace")


def _visible(request: HttpRequest, conversation_id) -> Conversation:
    conversation = get_object_or_404(
        Conversation.objects.select_related("live_region", "agent"), pk=conversation_id
    )
    if not live.may_see(request.user, conversation):
        # Another region's chat does not exist for this agent.
        raise Http404(_("There is no such chat."))
    return conversation


@require_POST
@_writer_view
def accept(request: HttpRequest, conversation_id) -> HttpResponse:
    conversation = _visible(request, conversation_id)
    try:
        live.live_accept(conversation=conversation, agent=request.user, now=timezone.now())
    except live.LiveChatError:
        messages.error(request, _("Someone else took this chat already."))
        return redirect("chatbot:live_workspace")
    return redirect("chatbot:live_chat", conversation_id=conversation.pk)


@require_safe
@_agent_view
def chat(request: HttpRequest, conversation_id) -> HttpResponse:
    conversation = _visible(request, conversation_id)
    transcript = live.messages_after(conversation, 0, for_staff=True)
    saved = live.saved_replies_for_chat(conversation, request.user)
    return _render(
        request,
        "chatbot/agents/chat.html",
        {
            "conversation": conversation,
            "transcript": transcript,
            "last_id": transcript[-1]["id"] if transcript else 0,
            "mine": conversation.agent_id == request.user.pk
            and conversation.live_status == LiveStatus.ACTIVE,
            "transfer_form": TransferForm(language=conversation.language, exclude_user=request.user),
            "earlier": live.earlier_of(conversation),
            "saved_replies": saved,
            "saved_texts": [filled.text for filled in saved],
            "held": live.my_chats(request.user),
        },
    )


def _poll_rate() -> str:
    return support_settings().staff_poll_rate


@require_safe
@_agent_view
@rate_limited(_poll_rate)
def waiting(request: HttpRequest) -> JsonResponse:
    """The chats waiting in the agent's regions now (what `/ws/agents/` announces one by one), for
    agents' pages without WebSockets: a chat no longer listed was taken."""
    return JsonResponse({"chats": [live.waiting_json(c) for c in live.waiting_chats(request.user)]})


@require_safe
@_agent_view
@rate_limited(_poll_rate)
def chat_events(request: HttpRequest, conversation_id) -> JsonResponse:
    """The plain-HTTP fallback of the agent's chat socket: every message after `?after=<id>`
    (internal notes included, as the socket sends them) and the chat's status; a heartbeat too."""
    conversation = _visible(request, conversation_id)
    after = request.GET.get("after", "0")
    if not after.isdigit():
        return JsonResponse({"error": _("after must be a message id (a number).")}, status=400)
    agent_seen(user=request.user, active=request.GET.get("active") == "1", now=timezone.now())
    return JsonResponse(
        {
            "messages": live.messages_after(conversation, int(after), for_staff=True),
            **live.status_json(conversation),
        }
    )


@require_POST
@_writer_view
@rate_limited(_poll_rate)
def chat_message(request: HttpRequest, conversation_id) -> JsonResponse:
    """A reply or internal note sent over plain HTTP, as the socket's `message`."""
    conversation = _visible(request, conversation_id)
    form = AgentMessageForm(request.POST)
    if not form.is_valid():
        return JsonResponse(
            {"error": _("Type a message of at most %(count)s characters.") % {"count": MAX_MESSAGE_CHARS}},
            status=400,
        )
    try:
        message = live.live_agent_message(
            conversation=conversation,
            agent=request.user,
            text=form.cleaned_data["text"],
            internal=form.cleaned_data["internal"],
        )
    except live.LiveChatError:
        return JsonResponse({"error": _("This chat is not yours to answer.")}, status=409)
    agent_seen(user=request.user, active=True, now=timezone.now())
    return JsonResponse({"message": live.message_json(message, for_staff=True)}, status=201)


@require_POST
@_writer_view
def close(request: HttpRequest, conversation_id) -> HttpResponse:
    conversation = _visible(request, conversation_id)
    if conversation.agent_id != request.user.pk:
        return HttpResponse(_("This chat is not yours to close."), status=403, content_type="text/plain")
    try:
        live.live_close(conversation=conversation, agent=request.user, now=timezone.now())
    except live.LiveChatError:
        messages.error(request, _("This chat is over already."))
    else:
        messages.success(request, _("Chat closed; the customer was asked how it went."))
    return redirect("chatbot:live_workspace")


@require_POST
@_writer_view
def leave(request: HttpRequest, conversation_id) -> HttpResponse:
    """The agent leaves: the chat becomes a ticket for the next region, and the customer is told."""
    conversation = _visible(request, conversation_id)
    if conversation.agent_id != request.user.pk:
        return HttpResponse(_("This chat is not yours to leave."), status=403, content_type="text/plain")
    try:
        live.live_to_ticket(conversation=conversation, reason="left", now=timezone.now())
    except live.LiveChatError:
        messages.error(request, _("This chat is over already."))
    else:
        messages.success(request, _("You left the chat; it is now a ticket for the next region."))
    return redirect("chatbot:live_workspace")


@require_POST
@_writer_view
def transfer(request: HttpRequest, conversation_id) -> HttpResponse:
    conversation = _visible(request, conversation_id)
    if conversation.agent_id != request.user.pk:
        return HttpResponse(_("This chat is not yours to pass on."), status=403, content_type="text/plain")
    form = TransferForm(request.POST, language=conversation.language, exclude_user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect("chatbot:live_chat", conversation_id=conversation.pk)
    try:
        live.live_transfer(
            conversation=conversation,
            actor=request.user,
            to_agent=form.cleaned_data["agent"],
            to_region=form.cleaned_data["region"],
        )
    except live.LiveChatError:
        messages.error(request, _("This chat is over already."))
        return redirect("chatbot:live_workspace")
    messages.success(request, _("Chat passed on."))
    return redirect("chatbot:live_workspace")
