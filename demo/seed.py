"""The curated demo: teams, agents, customers and realistic tickets on every channel.

Idempotent by natural keys (team slug, username, identity value, the demo id of a thread's
first message), so a second run finds everything and changes nothing. Written with the ORM
rather than through channel adapters, but every ticket's list fields are kept the way the
pipeline keeps them (``touch_ticket``) and its history comes from ``history_summary``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from demo.people import (
    AGENTS,
    CHANNEL_TEAMS,
    CUSTOMERS,
    ORGANIZATIONS,
    TAGS,
    TEAMS,
    AgentSpec,
    CustomerSpec,
)
from demo.threads import CUSTOMER, THREADS, Thread
from hub import events
from hub.identity import normalize
from hub.models import (
    Agent,
    ChannelSetting,
    Customer,
    DeliveryStatus,
    Direction,
    Identity,
    IdentityKind,
    Message,
    MessageKind,
    Organization,
    Role,
    Skill,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hub.pipeline.enrich import history_summary
from hub.pipeline.store import touch_ticket
from hub.routing.reasons import Reason


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def thread_marker(thread: Thread) -> str:
    """The external id of a demo thread's first message: its natural key across runs."""
    return f"demo:{thread.key}"


# The demo hotline, on the test outbox: it calls and texts nobody.
DEMO_NUMBER = "+4930901820900"


@transaction.atomic
def seed_demo(password: str) -> SeedReport:
    report = SeedReport()
    teams = {spec.slug: _team(spec.slug, spec.name, report) for spec in TEAMS}
    # Hashed once for all demo logins: seven slow hashes would make every first start drag.
    hashed = make_password(password)
    agents = {spec.username: _agent(spec, teams, hashed, report) for spec in AGENTS}
    for channel, slug in CHANNEL_TEAMS.items():
        _, made = ChannelSetting.objects.get_or_create(channel=channel, defaults={"default_team": teams[slug]})
        report.add("channel settings", int(made))
    _phone_number(teams["technik"], report)
    for name in TAGS:
        report.add("tags", int(Tag.objects.get_or_create(name=name)[1]))
    orgs = {}
    for org in ORGANIZATIONS:
        manager = agents[org.manager].user if org.manager else None
        orgs[org.key], made = Organization.objects.get_or_create(
            name=org.name,
            defaults={
                "domains": list(org.domains),
                "tier": org.tier,
                "key_account": org.key_account,
                "key_account_manager": manager,
            },
        )
        report.add("organizations", int(made))
    customers = {spec.key: _customer(spec, orgs, report) for spec in CUSTOMERS}
    made_tickets = []
    for thread in THREADS:
        if Message.objects.filter(channel=thread.channel, external_id=thread_marker(thread)).exists():
            continue
        made_tickets.append(_ticket(thread, customers[thread.customer], teams, agents))
        report.add("tickets")
    # Histories last, when every demo ticket exists, as the pipeline would have seen them.
    for ticket in made_tickets:
        ticket.history = history_summary(ticket.customer, ticket)
        ticket.save(update_fields=["history"])
    return report


def _phone_number(team: Team, report: SeedReport) -> None:
    """A number on the test outbox, so replies on the demo's phone and SMS tickets go out (nowhere)."""
    from channels_phone.models import PhoneNumber, ProviderKind

    _, made = PhoneNumber.objects.get_or_create(
        number=DEMO_NUMBER,
        defaults={"name": "Hotline (Demo)", "provider": ProviderKind.OUTBOX, "team": team, "sms": True},
    )
    report.add("phone numbers", int(made))


def _team(slug: str, name: str, report: SeedReport) -> Team:
    team, made = Team.objects.get_or_create(slug=slug, defaults={"name": name})
    report.add("teams", int(made))
    return team


def _agent(spec: AgentSpec, teams: dict[str, Team], hashed_password: str, report: SeedReport) -> Agent:
    user_model = get_user_model()
    is_admin = spec.role == Role.ADMIN
    user, _ = user_model.objects.get_or_create(
        username=spec.username,
        defaults={
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "email": f"{spec.username}@hub.example",
            "is_staff": is_admin,
            "is_superuser": is_admin,
            "password": hashed_password,
        },
    )
    agent, agent_made = Agent.objects.get_or_create(
        user=user,
        defaults={"role": spec.role, "language": spec.language, "capacity": spec.capacity, "skills": list(spec.skills)},
    )
    if agent_made:
        agent.teams.set([teams[slug] for slug in spec.teams])
    # Agents pick skills from Settings → Skills: the demo's are listed there too.
    for name in spec.skills:
        Skill.objects.get_or_create(name=name)
    report.add("agents", int(agent_made))
    return agent


def _customer(spec: CustomerSpec, orgs: dict[str, Organization], report: SeedReport) -> Customer:
    identities = [(IdentityKind.EMAIL, v) for v in spec.emails]
    identities += [(IdentityKind.PHONE, v) for v in spec.phones]
    identities += [(IdentityKind.CHAT, v) for v in spec.chats]
    values = [(kind, normalize(kind, raw)) for kind, raw in identities]
    kind, value = values[0]
    known = Identity.objects.filter(kind=kind, value=value).select_related("customer").first()
    if known is not None:
        return known.customer
    customer = Customer.objects.create(
        display_name=spec.name,
        language=spec.language,
        timezone=spec.timezone,
        segment=spec.segment,
        vip=spec.vip,
        organization=orgs.get(spec.org),
    )
    for kind, value in values:
        Identity.objects.create(customer=customer, kind=kind, value=value, verified=kind != IdentityKind.CHAT)
    report.add("customers")
    return customer


def _thread_key(thread: Thread) -> str:
    """The conversation key in each channel's own form: a chat session is a UUID, a call a SID."""
    if thread.channel == "chat":
        return str(uuid.UUID(hex=hashlib.md5(f"demo-{thread.key}".encode(), usedforsecurity=False).hexdigest()))
    if thread.channel == "phone":
        return f"demo-{thread.key}"
    return ""


def _ticket(thread: Thread, customer: Customer, teams: dict[str, Team], agents: dict[str, Agent]) -> Ticket:
    now = timezone.now()
    started = now - timedelta(minutes=thread.messages[0].minutes_ago)
    team = teams[thread.team or CHANNEL_TEAMS[thread.channel]]
    ticket = Ticket.objects.create(
        subject=thread.subject,
        customer=customer,
        origin_channel=thread.channel,
        language=thread.language,
        priority=thread.priority,
        team=team,
        created_at=started,
        updated_at=started,
        last_activity_at=started,
    )
    timeline: list[tuple[TicketEvent, datetime]] = [
        (events.ticket_created(ticket=ticket, channel=thread.channel, reason="new_conversation"), started),
        (
            events.routed(ticket=ticket, team_id=team.pk, why=Reason.of("channel_default", channel=thread.channel)),
            started,
        ),
    ]
    assignee = agents.get(thread.assignee)
    for n, spec in enumerate(thread.messages):
        at = now - timedelta(minutes=spec.minutes_ago)
        author = None if spec.who == CUSTOMER else agents[spec.who]
        message = Message.objects.create(
            ticket=ticket,
            channel=thread.channel,
            direction=Direction.INBOUND if author is None else Direction.OUTBOUND,
            kind=spec.kind,
            author_customer=customer if author is None else None,
            author_agent=author,
            sender=customer.display_name if author is None else author.name,
            subject=thread.subject if thread.channel == "email" else "",
            text=spec.text,
            external_id=thread_marker(thread) if n == 0 else None,
            thread_key=_thread_key(thread),
            delivery_status=DeliveryStatus.RECEIVED if author is None else DeliveryStatus.DELIVERED,
            metadata=spec.metadata,
            created_at=at,
        )
        touch_ticket(ticket, message)
        if author is None:
            timeline.append((events.message_threaded(ticket=ticket, message_id=message.pk, reason="demo"), at))
        elif spec.kind == MessageKind.NOTE:
            timeline.append((events.note_added(ticket=ticket, actor=author, message_id=message.pk), at))
        else:
            timeline.append(
                (events.replied(ticket=ticket, actor=author, message_id=message.pk, channel=thread.channel), at)
            )
            ticket.first_response_at = ticket.first_response_at or at
        if n == 0 and assignee is not None:
            timeline.append(
                (events.assigned(ticket=ticket, actor=assignee, assignee_id=assignee.pk, previous_id=None), at)
            )
    ticket.assignee = assignee
    ticket.status = thread.status
    if thread.status != TicketStatus.NEW:
        last = ticket.last_activity_at
        if thread.status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
            ticket.solved_at = last
        timeline.append(
            (events.status_changed(ticket=ticket, actor=assignee, status=thread.status, previous="new"), last)
        )
        ticket.version += 1
    ticket.save(update_fields=["assignee", "status", "solved_at", "first_response_at", "version"])
    ticket.tags.set([Tag.objects.get(name=name) for name in thread.tags])
    if thread.rating is not None and ticket.solved_at is not None:
        # A chat asks at its end; every other channel by the survey mail (hub.surveys).
        rating, comment = thread.rating
        asked = "chat" if thread.channel == "chat" else "email"
        answer = events.survey_answered(ticket=ticket, rating=rating, comment=comment, channel=asked)
        timeline.append((answer, ticket.solved_at + (timedelta(minutes=1) if asked == "chat" else timedelta(hours=2))))
    # The events helpers stamp "now"; a demo timeline reads better at the times things happened.
    for event, at in timeline:
        TicketEvent.objects.filter(pk=event.pk).update(created_at=at)
    return ticket
