"""The search words kept current by PostgreSQL's triggers (migration 0019), whoever writes.

Every test here is about the triggers, which exist on PostgreSQL only; on SQLite the search
reads the messages themselves (test_search_tickets.py covers that).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from hub.access import visible_tickets
from hub.actions import do_add_note, do_move_message
from hub.models import Agent, InboundEvent, Message, MessageKind, Role, Ticket, TicketSearch
from hub.pipeline import process_batch
from hub.search import parse, search_tickets
from hub.search.index import rebuild
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import payload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres(reason="the search words are kept by PostgreSQL triggers; SQLite has none"),
]

LIMIT = 100_000


@pytest.fixture
def admin(db: None) -> Agent:
    return AgentFactory.create(role=Role.ADMIN)


def found(agent: Agent, text: str) -> set[int]:
    return set(search_tickets(visible_tickets(agent), parse(text), agent).values_list("pk", flat=True))


def document(ticket: Ticket) -> tuple[str, str]:
    """The ticket's words and its subject's words (positions differ by how the words came in)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT strip(document)::text, strip(ts_filter(document, '{a}'))::text"
            " FROM hub_ticketsearch WHERE ticket_id = %s",
            [ticket.pk],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else ("", "")


def test_a_new_ticket_gets_its_subject_words_at_once(admin):
    t = TicketFactory.create(subject="Wasserschaden im Keller")

    assert found(admin, "wasserschaden") == {t.pk}
    assert TicketSearch.objects.get(ticket=t).size == 0


def test_a_note_added_through_the_action_is_found(admin):
    t = TicketFactory.create(subject="Frage")

    do_add_note(t, agent=admin, text="Kunde wünscht Rückruf wegen Heizkostenabrechnung")

    assert found(admin, "heizkostenabrechnung") == {t.pk}


def test_a_message_moved_to_another_ticket_takes_its_words_along(admin):
    source = TicketFactory.create(subject="Alt")
    target = TicketFactory.create(subject="Neu")
    moved = MessageFactory.create(ticket=source, text="Seriennummer XJ-2291 defekt")
    MessageFactory.create(ticket=source, text="Noch eine Nachricht")

    do_move_message(moved, target, actor=admin)

    assert found(admin, "xj-2291") == {target.pk}


def test_a_deleted_message_leaves_no_words_behind(admin):
    t = TicketFactory.create(subject="Frage")
    gone = MessageFactory.create(ticket=t, text="Meine Kontonummer ist geheim123")
    MessageFactory.create(ticket=t, text="Bitte rufen Sie an")

    gone.delete()

    assert found(admin, "geheim123") == set()
    assert found(admin, "rufen") == {t.pk}


def test_a_message_whose_text_changes_is_found_by_the_new_text_only(admin):
    t = TicketFactory.create(subject="Frage")
    message = MessageFactory.create(ticket=t, text="Telefonnummer 0301234567")

    Message.objects.filter(pk=message.pk).update(text="[entfernt]")

    assert found(admin, "0301234567") == set()


def test_a_new_subject_replaces_the_old_one(admin):
    t = TicketFactory.create(subject="Chat")
    MessageFactory.create(ticket=t, text="Guten Tag")

    Ticket.objects.filter(pk=t.pk).update(subject="Reklamation Waschmaschine")

    assert found(admin, "waschmaschine") == {t.pk}
    assert found(admin, "guten") == {t.pk}
    assert found(admin, "chat") == set()


def test_a_deleted_ticket_takes_its_words_along(admin):
    t = TicketFactory.create(subject="Löschen bitte")
    MessageFactory.create(ticket=t, text="Datenschutzanfrage")

    Message.objects.filter(ticket=t).delete()
    t.delete()

    assert not TicketSearch.objects.filter(ticket_id=t.pk).exists()


def test_a_huge_message_is_taken_in_up_to_the_limit_and_never_fails(admin):
    t = TicketFactory.create(subject="Logdatei")
    # Every word distinct: the worst case for PostgreSQL's 1 MB limit on a document's words.
    words = " ".join(f"tok{n:07d}x" for n in range(60_000))
    MessageFactory.create(ticket=t, text=f"anfangswort {words} schlusswort")
    MessageFactory.create(ticket=t, text="spätere Nachricht nachtragswort")

    assert TicketSearch.objects.get(ticket=t).size == LIMIT
    assert found(admin, "anfangswort") == {t.pk}
    assert found(admin, "schlusswort") == set()  # past the limit
    assert found(admin, "nachtragswort") == set()


def test_messages_of_many_tickets_in_one_insert_each_reach_their_own_ticket(admin):
    tickets = TicketFactory.create_batch(3, subject="Frage")
    Message.objects.bulk_create(
        [
            Message(ticket=t, channel="email", direction="in", text=f"Stichwort{n} und Stichwort{n}b")
            for n, t in enumerate(tickets)
            for _ in range(2)
        ]
        + [Message(ticket=tickets[0], channel="email", direction="in", kind=MessageKind.SYSTEM, text="automatisch")]
    )

    assert [found(admin, f"stichwort{n}") for n in range(3)] == [{t.pk} for t in tickets]
    assert found(admin, "automatisch") == set()


def test_rebuilding_gives_the_documents_the_triggers_built(admin, capsys):
    t = TicketFactory.create(subject="Rechnung März")
    MessageFactory.create(ticket=t, text="Die Rechnungen sind falsch")
    MessageFactory.create(ticket=t, kind=MessageKind.NOTE, text="Intern geprüft")
    kept = document(t)
    TicketSearch.objects.filter(ticket=t).delete()

    assert rebuild() >= 1
    assert document(t) == kept
    call_command("rebuild_search_index", "--batch", "1")
    assert document(t) == kept
    assert "tickets" in capsys.readouterr().out


def test_a_ticket_made_before_the_index_is_built_whole_by_its_next_message(admin):
    t = TicketFactory.create(subject="Altbestand")
    MessageFactory.create(ticket=t, text="erste Nachricht")
    TicketSearch.objects.filter(ticket=t).delete()

    MessageFactory.create(ticket=t, text="zweite Nachricht")

    assert found(admin, "altbestand erste zweite") == {t.pk}


def test_mails_taken_in_as_one_batch_are_found_by_their_words(admin, fake_channel):
    mails: list[tuple[str, str, dict[str, Any]]] = [
        ("m-1", "kunde@example.de", {"subject": "Heizung kalt", "text": "Kein Warmwasser", "message_id": "<a@x>"}),
        ("m-2", "kunde@example.de", {"text": "Auch die Heizkörper", "in_reply_to": ["<a@x>"]}),
        ("m-3", "andere@example.de", {"subject": "Fenster", "text": "Das Fenster klemmt"}),
    ]
    events = [
        InboundEvent.objects.create(channel="fake", external_id=key, payload=payload(email=email, **fields))
        for key, email, fields in mails
    ]

    process_batch()

    heating, _, window = (InboundEvent.objects.get(pk=e.pk).ticket_id for e in events)
    assert found(admin, "warmwasser heizkörper") == {heating}
    assert found(admin, "fenster klemmt") == {window}
