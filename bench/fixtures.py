"""What the benchmarks need besides volume: a database of the right size and tickets to open."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from hub.access import visible_tickets
from hub.models import Agent, DeliveryStatus, Direction, Message, Ticket
from hub.text import preview

# A new marker builds the thread anew: the customer's mails became HTML quoting the history.
LONG_THREAD_MARKER = "bench:long-thread-html"
LONG_THREAD_MESSAGES = 300
# What a customer's mail quotes of the thread, newest first (mail clients quote all of it; the
# cap keeps the bench database small while each mail still carries kilobytes of history).
LONG_THREAD_QUOTED = 20
AGENT_USERNAME = "max.mueller"
ADMIN_USERNAME = "admin"


def ensure_size(size: int) -> bool:
    """Seed until the database holds at least ``size`` tickets; whether anything was added."""
    call_command("migrate", verbosity=0, interactive=False)
    have = Ticket.objects.count()
    if have >= size:
        print(f"  reusing the database: {have:,} tickets (wanted {size:,})", flush=True)
        return False
    call_command("seed_demo", verbosity=1)
    missing = size - Ticket.objects.count()
    if missing > 0:
        call_command("seed_demo", tickets=missing, verbosity=1)
    if connection.vendor == "postgresql":
        # Set the visibility map and hint bits now, as autovacuum would later, so the first
        # benchmark run does not pay for them.
        print("  VACUUM ANALYZE …", flush=True)
        with connection.cursor() as cursor:
            for table in ("hub_ticket", "hub_message", "hub_ticketevent", "hub_customer", "hub_identity"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    return True


def agents() -> dict[str, Agent]:
    return {
        "agent": Agent.objects.select_related("user").get(user__username=AGENT_USERNAME),
        "admin": Agent.objects.select_related("user").get(user__username=ADMIN_USERNAME),
    }


def ensure_long_thread(agent: Agent) -> Ticket:
    """A ticket the agent may see with hundreds of messages: its page must cost the same queries."""
    first = Message.objects.filter(channel="email", external_id=LONG_THREAD_MARKER).select_related("ticket").first()
    if first is not None:
        return first.ticket
    sample = visible_tickets(agent).filter(assignee=agent).order_by("-last_activity_at").first()
    if sample is None:
        raise RuntimeError(f"{agent} sees no ticket assigned to them")
    now = timezone.now()
    start = now - timedelta(days=30)
    ticket = Ticket.objects.create(
        subject="Langer Verlauf: Projekt Umstellung Kassensystem",
        customer=sample.customer,
        origin_channel="email",
        team=sample.team,
        assignee=agent,
        status="open",
        language="de",
        created_at=start,
        updated_at=start,
        last_activity_at=start,
    )
    messages: list[Message] = []
    for n in range(LONG_THREAD_MESSAGES):
        inbound = n % 2 == 0
        text = f"Nachricht {n + 1} im langen Verlauf: Stand der Umstellung, nächste Schritte, offene Fragen."
        at = start + timedelta(minutes=130 * n)
        html, quoted = ("", "")
        if inbound and messages:
            html, quoted = _quoting_mail(text, str(sample.customer), agent.name, ticket.subject, at, messages)
        messages.append(
            Message(
                ticket=ticket,
                channel="email",
                direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                author_customer=sample.customer if inbound else None,
                author_agent=None if inbound else agent,
                sender=str(sample.customer) if inbound else agent.name,
                subject=ticket.subject,
                text=text,
                html=html,
                quoted_text=quoted,
                external_id=LONG_THREAD_MARKER if n == 0 else None,
                delivery_status=DeliveryStatus.RECEIVED if inbound else DeliveryStatus.DELIVERED,
                created_at=at,
            )
        )
    Message.objects.bulk_create(messages)
    last = messages[-1]
    Ticket.objects.filter(pk=ticket.pk).update(
        last_activity_at=last.created_at,
        updated_at=last.created_at,
        message_count=len(messages),
        last_message_preview=preview(last.text, 200),
        last_message_channel="email",
        last_message_direction=last.direction,
        last_message_kind=last.kind,
        version=1 + len(messages),
        last_customer_message_at=messages[-2].created_at,
        first_response_at=messages[1].created_at,
    )
    return ticket


def tickets_to_open(agent: Agent) -> dict[str, int]:
    scope = visible_tickets(agent)
    recent = scope.order_by("-last_activity_at", "-id").values_list("pk", flat=True).first()
    old = scope.order_by("last_activity_at", "id").values_list("pk", flat=True).first()
    found = {"recent": recent, "old": old, "long": ensure_long_thread(agent).pk}
    return {name: pk for name, pk in found.items() if pk is not None}


def _quoting_mail(
    text: str, customer: str, agent: str, subject: str, at: datetime, earlier: list[Message]
) -> tuple[str, str]:
    """A customer's reply as Outlook sends it: the new text in HTML, then the history it quotes
    under a "Von:/Gesendet:" header; and the quoted history as the mail parser finds it."""
    history = [m.text for m in reversed(earlier[-LONG_THREAD_QUOTED:])]
    sent = f"{at:%d.%m.%Y %H:%M}"
    quoted = f"Von: {agent} <support@hub.example>\nGesendet: {sent}\nBetreff: AW: {subject}\n\n" + "\n\n".join(history)
    html = (
        f'<div dir="ltr"><p class="MsoNormal">{escape(text)}</p><p class="MsoNormal">Viele Grüße<br>'
        f'{escape(customer)}</p></div><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;'
        f'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>Von:</b> {escape(agent)} '
        f"&lt;support@hub.example&gt;<br><b>Gesendet:</b> {sent}<br><b>Betreff:</b> AW: {escape(subject)}"
        "</p></div></div>" + "".join(f'<p class="MsoNormal">{escape(line)}</p>' for line in history)
    )
    return html, quoted


def message_counts(tickets: dict[str, int]) -> dict[str, int]:
    counts = dict(Ticket.objects.filter(pk__in=tickets.values()).values_list("pk", "message_count"))
    return {name: counts.get(pk, 0) for name, pk in tickets.items()}
