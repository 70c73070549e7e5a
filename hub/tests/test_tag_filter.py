"""Each ticket's tags kept on the ticket by PostgreSQL (migration 0032), whoever changes them.

The column and its triggers exist on PostgreSQL only; the inbox's tag filter reads them
(frontend/tests/test_inbox_tags.py), and on SQLite reads the join table.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from hub.actions import do_set_tags
from hub.actions.bulk import Change, do_bulk
from hub.actions.ticket_links import do_merge_tickets
from hub.models import Agent, Role, Tag, Ticket
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the tags on the ticket are kept by PostgreSQL triggers; SQLite has none"),
]


def tags_on(ticket: Ticket) -> list[str]:
    """The names of the tags the ticket's own column holds, as the filter reads them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tag_ids FROM hub_ticket WHERE id = %s", [ticket.pk])
        ids = cursor.fetchone()[0]
    names = dict(Tag.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [names[i] for i in ids]


@pytest.fixture
def admin(db: None) -> Agent:
    return AgentFactory.create(role=Role.ADMIN)


def test_tags_set_by_an_agent_are_on_the_ticket_and_leave_it_when_removed(admin: Agent) -> None:
    ticket = TicketFactory.create()

    do_set_tags(ticket, ["vip", "rechnung"], actor=admin)
    assert sorted(tags_on(ticket)) == ["rechnung", "vip"]

    do_set_tags(ticket, ["rechnung"], actor=admin)
    assert tags_on(ticket) == ["rechnung"]

    do_set_tags(ticket, [], actor=admin)
    assert tags_on(ticket) == []


def test_tags_added_by_the_bulk_bar_a_merge_and_a_deleted_tag_are_kept_too(admin: Agent) -> None:
    a, b, c = (TicketFactory.create() for _ in range(3))

    do_bulk(admin, [a.pk, b.pk], Change(kind="tags", add_tags=("vip",)))
    assert tags_on(a) == ["vip"] and tags_on(b) == ["vip"] and tags_on(c) == []

    do_set_tags(c, ["retoure"], actor=admin)
    do_merge_tickets(c, a, actor=admin)
    assert sorted(tags_on(a)) == ["retoure", "vip"]

    Tag.objects.get(name="vip").delete()
    assert tags_on(a) == ["retoure"] and tags_on(b) == []


def test_a_tag_moved_to_another_ticket_by_an_update_leaves_the_first_and_joins_the_second(admin: Agent) -> None:
    a, b = TicketFactory.create(), TicketFactory.create()
    do_set_tags(a, ["vip"], actor=admin)

    Ticket.tags.through.objects.filter(ticket_id=a.pk).update(ticket_id=b.pk)

    assert tags_on(a) == [] and tags_on(b) == ["vip"]


@pytest.mark.django_db(transaction=True)
def test_two_agents_tagging_one_ticket_at_the_same_moment_both_keep_their_tag() -> None:
    ticket = TicketFactory.create()
    first, second = Tag.objects.create(name="vip"), Tag.objects.create(name="rechnung")
    first_added = threading.Event()
    errors: list[BaseException] = []

    def tag(which: Tag, hold: bool) -> None:
        try:
            with transaction.atomic():
                Ticket.objects.get(pk=ticket.pk).tags.add(which)
                if hold:
                    first_added.set()
                    # The other agent's change arrives while this one is not yet committed.
                    time.sleep(0.5)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=tag, args=(first, True))
    holder.start()
    assert first_added.wait(10)
    late = threading.Thread(target=tag, args=(second, False))
    late.start()
    holder.join(30)
    late.join(30)

    assert not errors, errors
    assert sorted(tags_on(ticket)) == ["rechnung", "vip"]


@pytest.mark.django_db(transaction=True)
def test_migrating_a_hub_with_tagged_tickets_puts_their_tags_on_them(admin: Agent) -> None:
    call_command("migrate", "hub", "0031", verbosity=0)
    try:
        tagged, plain = TicketFactory.create(subject="Alt, mit Tags"), TicketFactory.create(subject="Alt, ohne")
        tagged.tags.add(Tag.objects.create(name="vip"), Tag.objects.create(name="rechnung"))
    finally:
        call_command("migrate", "hub", verbosity=0)

    assert sorted(tags_on(tagged)) == ["rechnung", "vip"] and tags_on(plain) == []
    do_set_tags(plain, ["vip"], actor=admin)  # and the triggers keep them from then on
    assert tags_on(plain) == ["vip"]
