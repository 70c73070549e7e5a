"""Notifications as an agent meets them: a colleague's assignment, the customer's reply on my
ticket, an SLA warning on it; mail only for the kinds I chose, each once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.signals import task_prerun
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub import notifications
from hub.actions import do_assign, do_set_team
from hub.actions.notifications import do_mark_all_read, do_mark_read, do_save_notification_settings, sla_warned
from hub.business_time import build
from hub.models import Agent, InboundEvent, Notification, NotificationKind, Team, Ticket, TicketStatus
from hub.pipeline import process_batch
from hub.sla import beat
from hub.sla.choose import Policy
from hub.sla.clocks import Clocks, save
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def colleague(team: Team) -> Agent:
    return AgentFactory.create(teams=[team])


@pytest.fixture
def mail_tasks() -> Iterator[list[list[int]]]:
    """The notification ids of each mail task started (tasks run eagerly in tests: queued is run)."""
    started: list[list[int]] = []

    def record(sender: Any = None, task: Any = None, args: Any = (), **extra: Any) -> None:
        if task.name == notifications.send_notification_mails.name:
            started.append(list(args[0]))

    task_prerun.connect(record, weak=False)
    yield started
    task_prerun.disconnect(record)


def kinds(agent: Agent) -> list[str]:
    return list(Notification.objects.filter(recipient=agent).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_ticket_a_colleague_assigns_to_me_notifies_me_but_taking_it_myself_does_not(
    team: Team, agent: Agent, colleague: Agent, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    given = TicketFactory.create(team=team)
    taken = TicketFactory.create(team=team)

    with django_capture_on_commit_callbacks(execute=True):
        do_assign(given, agent, actor=colleague)
        do_assign(taken, agent, actor=agent)

    [told] = Notification.objects.filter(recipient=agent)
    assert (told.kind, told.ticket_id, told.actor_id) == (NotificationKind.ASSIGNED, given.pk, colleague.pk)
    assert notifications.describe(told) == f"{colleague.name} hat Ihnen #{given.pk} {given.subject} zugewiesen"
    [mail] = mailoutbox  # assignments go by mail unless the agent says otherwise
    assert mail.to == [agent.user.email]


@pytest.mark.django_db(transaction=True)
def test_the_customers_replies_in_one_batch_notify_the_assignee_once_per_ticket_with_one_insert(
    team: Team, agent: Agent, fake_channel: FakeChannel
) -> None:
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, value="max@example.de")
    mine = TicketFactory.create(team=team, assignee=agent, customer=customer, origin_channel="fake")
    unassigned = TicketFactory.create(team=team, customer=CustomerFactory.create(), origin_channel="fake")
    IdentityFactory.create(customer=unassigned.customer, value="eva@example.de")
    for n, (email, ticket) in enumerate(
        [("max@example.de", mine), ("max@example.de", mine), ("eva@example.de", unassigned)]
    ):
        InboundEvent.objects.create(
            channel="fake",
            external_id=f"r-{n}",
            payload=payload(email=email, text=f"Noch da? {n}", ticket_id=ticket.pk),
        )

    with CaptureQueriesContext(connection) as queries:
        process_batch()

    assert Ticket.objects.get(pk=mine.pk).message_count >= 2
    assert kinds(agent) == [NotificationKind.CUSTOMER_REPLIED]
    assert Notification.objects.get(recipient=agent).ticket_id == mine.pk
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT") and "notification" in q["sql"]]
    assert len(inserts) == 1


@pytest.mark.django_db(transaction=True)
def test_an_sla_warning_on_my_ticket_notifies_me(team: Team, agent: Agent) -> None:
    office = build("Europe/Berlin", {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    policy = Policy(
        id=0,
        name="Büro",
        enabled=True,
        calendar=office,
        targets={"first_response": {"2": 120}},
        tests=(),
        reads_team=False,
    )
    at = datetime(2026, 12, 7, 10, tzinfo=BERLIN)
    ticket = TicketFactory.create(created_at=at, status=TicketStatus.OPEN, team=team, assignee=agent)
    ledger = Clocks(ticket, [], policy)
    ledger.created(at)
    names = ledger.summarize()
    save([ledger])
    Ticket.objects.filter(pk=ticket.pk).update(**{name: getattr(ticket, name) for name in names})

    assert beat.run(now=datetime(2026, 12, 7, 11, 40, tzinfo=BERLIN)) == 1

    assert kinds(agent) == [NotificationKind.SLA_WARNING]


@pytest.mark.django_db
def test_mail_goes_only_for_the_kinds_the_agent_chose_and_only_once(
    team: Team, agent: Agent, colleague: Agent, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    do_save_notification_settings(agent, in_app=["assigned"], by_mail=["sla_warning"], browser=False, chat_sound=False)
    with django_capture_on_commit_callbacks(execute=True):
        do_assign(TicketFactory.create(team=team), agent, actor=colleague)
    assert mailoutbox == []

    do_save_notification_settings(agent, in_app=["assigned"], by_mail=["assigned"], browser=False, chat_sound=False)
    row = Notification.objects.get(recipient=agent)
    Notification.objects.filter(pk=row.pk).update(mailed_at=None)
    assert notifications.send_notification_mails([row.pk]) == 1
    assert notifications.send_notification_mails([row.pk]) == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_bell_counts_only_the_kinds_kept_in_the_workspace_and_reading_clears_them(
    team: Team, agent: Agent, colleague: Agent, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = TicketFactory.create(team=team), TicketFactory.create(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        do_assign(first, agent, actor=colleague)
        do_assign(second, agent, actor=colleague)
    assert notifications.newest_unread(agent)[1] == 2

    do_save_notification_settings(agent, in_app=["mentioned"], by_mail=[], browser=False, chat_sound=False)
    assert notifications.newest_unread(agent)[1] == 0

    do_save_notification_settings(agent, in_app=["assigned"], by_mail=[], browser=False, chat_sound=False)
    newest = notifications.recent(agent)[0]
    assert newest.ticket_id == second.pk
    do_mark_read(agent, newest.pk)
    assert notifications.newest_unread(agent)[1] == 1
    assert do_mark_read(colleague, notifications.recent(agent)[1].pk) is None  # not theirs
    do_mark_all_read(agent)
    assert notifications.newest_unread(agent)[1] == 0


@pytest.mark.django_db
def test_the_bell_forgets_a_ticket_that_moved_out_of_the_agents_sight(
    client: Any, team: Team, other_team: Team, agent: Agent, colleague: Agent, django_capture_on_commit_callbacks: Any
) -> None:
    secret = TicketFactory.create(team=team, subject="Kündigung Vorstand")
    with django_capture_on_commit_callbacks(execute=True):
        do_assign(secret, agent, actor=colleague)
    assert notifications.newest_unread(agent)[1] == 1

    do_assign(secret, None, actor=colleague)
    do_set_team(secret, other_team, actor=colleague)

    assert notifications.newest_unread(agent) == (None, 0)
    assert notifications.recent(agent) == []
    client.force_login(agent.user)
    assert "Kündigung Vorstand" not in client.get("/agent/v/mine/").content.decode()


@pytest.mark.django_db
def test_a_batch_nobody_wants_by_mail_queues_no_mail_task_and_one_someone_wants_queues_one_for_them(
    team: Team,
    agent: Agent,
    colleague: Agent,
    mail_tasks: list[list[int]],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    mine = TicketFactory.create(team=team, assignee=agent)
    theirs = TicketFactory.create(team=team, assignee=colleague)

    # SLA warnings are not mailed unless an agent asks for them.
    with django_capture_on_commit_callbacks(execute=True):
        sla_warned([mine, theirs])

    assert mail_tasks == [] and mailoutbox == []
    assert Notification.objects.filter(kind=NotificationKind.SLA_WARNING).count() == 2

    do_save_notification_settings(
        colleague, in_app=["sla_warning"], by_mail=["sla_warning"], browser=False, chat_sound=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        warned = sla_warned([mine, theirs])

    [for_colleague] = [row.pk for row in warned if row.recipient_id == colleague.pk]
    assert mail_tasks == [[for_colleague]]
    [mail] = mailoutbox
    assert mail.to == [colleague.user.email]
