from __future__ import annotations

import pytest

from hub.actions import do_merge_customers, do_undo_merge
from hub.actions.customers import MergeError
from hub.models import Agent, Customer, EventKind, Identity, Message, Ticket, TicketEvent
from hub.pipeline import receive
from hub.tests.factories import CustomerFactory, IdentityFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(fake_channel: FakeChannel) -> tuple[Customer, Customer]:
    """Erika wrote by mail from two addresses and became two customers."""
    receive("fake", "m-1", payload(email="erika@privat.de", text="Von privat", name="Erika"))
    receive("fake", "m-2", payload(email="e.muster@firma.de", text="Aus dem Büro", name="Erika Muster"))
    source = Identity.objects.get(value="erika@privat.de").customer
    target = Identity.objects.get(value="e.muster@firma.de").customer
    assert source != target
    return source, target


def test_merging_moves_identities_tickets_and_messages_to_the_target(pair, admin_agent: Agent) -> None:
    source, target = pair
    source_ticket = Ticket.objects.get(customer=source)

    merge = do_merge_customers(source, target, actor=admin_agent)

    assert set(target.identities.values_list("value", flat=True)) == {"erika@privat.de", "e.muster@firma.de"}
    assert not source.identities.exists()
    assert Ticket.objects.filter(customer=target).count() == 2
    assert Message.objects.filter(author_customer=target).count() == 2
    source.refresh_from_db()
    assert source.merged_into == target
    assert merge.merged_by == admin_agent.user
    event = TicketEvent.objects.get(ticket=source_ticket, kind=EventKind.CUSTOMER_MERGED)
    assert event.actor == admin_agent
    assert event.data == {"source_id": source.pk, "target_id": target.pk}


def test_merging_moves_the_version_so_open_views_refresh(pair, admin_agent: Agent) -> None:
    source, target = pair
    ticket = Ticket.objects.get(customer=source)

    do_merge_customers(source, target, actor=admin_agent)

    assert Ticket.objects.get(pk=ticket.pk).version > ticket.version


def test_undo_gives_everything_back(pair, admin_agent: Agent) -> None:
    source, target = pair
    merge = do_merge_customers(source, target, actor=admin_agent)

    do_undo_merge(merge, actor=admin_agent)

    assert list(source.identities.values_list("value", flat=True)) == ["erika@privat.de"]
    assert list(target.identities.values_list("value", flat=True)) == ["e.muster@firma.de"]
    assert Ticket.objects.filter(customer=source).count() == 1
    assert Message.objects.filter(author_customer=source).get().text == "Von privat"
    source.refresh_from_db()
    merge.refresh_from_db()
    assert source.merged_into is None
    assert merge.undone_at is not None and merge.undone_by == admin_agent.user
    ticket = Ticket.objects.get(customer=source)
    assert list(ticket.events.filter(kind__startswith="customer_").values_list("kind", flat=True)) == [
        "customer_merged",
        "customer_unmerged",
    ]


def test_a_new_contact_from_a_merged_address_lands_on_the_target(pair, admin_agent: Agent) -> None:
    source, target = pair
    do_merge_customers(source, target, actor=admin_agent)

    event, _ = receive("fake", "m-3", payload(email="Erika@Privat.de", text="Noch eine Frage"))

    event.refresh_from_db()
    assert Ticket.objects.get(inbound_events=event).customer == target
    assert Customer.objects.count() == 2  # no third customer


def test_undo_after_new_activity_keeps_the_new_activity_on_the_target(pair, admin_agent: Agent) -> None:
    source, target = pair
    old_ticket = Ticket.objects.get(customer=source)
    merge = do_merge_customers(source, target, actor=admin_agent)
    new_event, _ = receive(
        "fake",
        "m-3",
        {
            "identities": [{"kind": "email", "value": "erika@privat.de"}, {"kind": "phone", "value": "0151 23456789"}],
            "text": "Neue Frage",
        },
    )
    reply_event, _ = receive("fake", "m-4", payload(email="erika@privat.de", text="Nachtrag", ticket_id=old_ticket.pk))
    new_event.refresh_from_db()
    reply_event.refresh_from_db()
    assert reply_event.ticket_id == old_ticket.pk

    do_undo_merge(merge, actor=admin_agent)

    # What the merge moved goes back...
    assert Ticket.objects.get(pk=old_ticket.pk).customer == source
    assert Identity.objects.get(value="erika@privat.de").customer == source
    assert Message.objects.get(text="Von privat").author_customer == source
    # ...what arrived while it stood stays with the target.
    assert Ticket.objects.get(inbound_events=new_event).customer == target
    assert Identity.objects.get(value="+4915123456789").customer == target
    assert Message.objects.get(text="Nachtrag").author_customer == target


def test_messages_the_source_wrote_on_someone_elses_ticket_come_back_too(admin_agent: Agent) -> None:
    source, target, third = CustomerFactory.create(), CustomerFactory.create(), CustomerFactory.create()
    shared = TicketFactory.create(customer=third)
    cc_message = MessageFactory.create(ticket=shared, author_customer=source, text="Ich bin in Kopie")
    own_on_target = MessageFactory.create(
        ticket=TicketFactory.create(customer=source), author_customer=target, text="Hinweis"
    )

    merge = do_merge_customers(source, target, actor=admin_agent)
    assert Message.objects.get(pk=cc_message.pk).author_customer == target
    do_undo_merge(merge, actor=admin_agent)

    assert Message.objects.get(pk=cc_message.pk).author_customer == source
    # The target's own message on the source's ticket was never the source's to take back.
    assert Message.objects.get(pk=own_on_target.pk).author_customer == target
    assert Ticket.objects.get(pk=shared.pk).customer == third


def test_a_customer_cannot_be_merged_twice_or_into_itself(pair, admin_agent: Agent) -> None:
    source, target = pair
    with pytest.raises(MergeError):
        do_merge_customers(source, source, actor=admin_agent)
    do_merge_customers(source, target, actor=admin_agent)
    other = CustomerFactory.create()

    # The caller's stale copy of source says "not merged"; the locked row decides.
    with pytest.raises(MergeError):
        do_merge_customers(source, other, actor=admin_agent)
    assert not Ticket.objects.filter(customer=other).exists()


def test_a_merge_cannot_be_undone_twice(pair, admin_agent: Agent) -> None:
    merge = do_merge_customers(*pair, actor=admin_agent)
    do_undo_merge(merge, actor=admin_agent)

    with pytest.raises(MergeError):
        do_undo_merge(merge, actor=admin_agent)


def test_undoing_a_merge_whose_target_was_merged_on_asks_for_the_later_undo_first(pair, admin_agent: Agent) -> None:
    source, target = pair
    third = CustomerFactory.create()
    IdentityFactory.create(customer=third, value="erika@neu.de")
    first = do_merge_customers(source, target, actor=admin_agent)
    do_merge_customers(target, third, actor=admin_agent)

    with pytest.raises(MergeError, match="undo that merge first"):
        do_undo_merge(first, actor=admin_agent)
    assert Identity.objects.get(value="erika@privat.de").customer == third
