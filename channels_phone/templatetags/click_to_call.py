"""The "Call" button the workspace shows beside a customer's phone number (``{% call_button
ticket number show_number=False %}``) and in a phone ticket's header (``{% call_button ticket %}``: the number the
customer called from). Shown to agents who may change the ticket, when a number of ours places calls."""

from __future__ import annotations

from typing import Any

from django import template

from channels_phone import dial_out, numbers
from hub import access
from hub.models import Ticket

register = template.Library()


@register.inclusion_tag("channels_phone/call_button.html", takes_context=True)
def call_button(
    context: template.Context, ticket: Ticket, number: str = "", show_number: bool = True
) -> dict[str, Any]:
    request = context.get("request")
    agent = access.agent_of(request.user) if request is not None else None
    if not access.may_change(agent) or not dial_out.can_place_calls():
        return {"hidden": True}
    if not number:
        known = dial_out.customer_numbers(ticket)
        number = known[0] if known else ""
    target = numbers.e164(number)
    if not target:
        return {"hidden": True}
    return {
        "ticket": ticket,
        "number": target,
        "shown": numbers.display(target),
        "show_number": show_number,
        "csrf_token": context.get("csrf_token"),
    }
