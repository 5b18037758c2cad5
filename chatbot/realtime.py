"""What each side of a live chat hears, through the channel layer.

Two groups per conversation: `chat.<id>` (the customer's sockets: public messages, the agent's
typing, status) and `chat.<id>.staff` (the agents' sockets: everything, internal notes included,
and the customer's typing). Nothing is sent to a group of another conversation."""

from support.realtime import send


def customer_group(conversation_id) -> str:
    return f"chat.{conversation_id.hex if hasattr(conversation_id, 'hex') else conversation_id}"


def staff_group(conversation_id) -> str:
    return customer_group(conversation_id) + ".staff"


def message_sent(conversation, public: dict, staff: dict) -> None:
    if not staff.get("internal"):
        send(
            customer_group(conversation.pk),
            {"type": "chat.event", "payload": {"type": "message", "message": public}},
        )
    send(
        staff_group(conversation.pk), {"type": "chat.event", "payload": {"type": "message", "message": staff}}
    )


def status_changed(conversation, status: dict) -> None:
    send(customer_group(conversation.pk), {"type": "chat.event", "payload": status})
    send(staff_group(conversation.pk), {"type": "chat.event", "payload": status})
