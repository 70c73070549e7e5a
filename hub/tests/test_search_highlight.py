"""Matches marked in search results (hub.search.highlight): only ours are tags, text is text."""

from __future__ import annotations

import pytest

from hub.models import MessageKind
from hub.search import parse
from hub.search.highlight import START, STOP, mark_atoms, marked, snippets
from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_marking_escapes_the_text_first():
    html = mark_atoms('<script>alert("x")</script> Rechnung & Co', parse("rechnung").positive)

    assert html == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Rechnung</mark> &amp; Co"


def test_marks_ignore_case_and_do_not_overlap():
    assert mark_atoms("Paket PAKETDIENST", parse("paket paketdienst").positive) == (
        "<mark>Paket</mark> <mark>PAKET</mark>DIENST"
    )


def test_a_text_cannot_bring_its_own_marks():
    assert marked(f"a{START}b{STOP}c") == "a<mark>b</mark>c"
    assert mark_atoms(f"{START}<b>{STOP}", parse("x").positive) == "&lt;b&gt;"


def test_snippets_mark_the_subject_and_the_newest_matching_passage_escaped():
    ticket = TicketFactory.create(subject="<b>Rechnung</b> falsch")
    MessageFactory.create(ticket=ticket, text="Die Rechnung <img src=x onerror=alert(1)> stimmt nicht")
    MessageFactory.create(ticket=ticket, text="Danke!")
    MessageFactory.create(ticket=ticket, kind=MessageKind.NOTE, text=f"Notiz zur Rechnung {START}<i>{STOP}")

    snippet = snippets([ticket.pk], parse("rechnung"))[ticket.pk]

    assert "<mark>Rechnung</mark>" in snippet.subject
    assert "&lt;b&gt;" in snippet.subject and "<b>" not in snippet.subject
    assert snippet.note
    assert "<mark>Rechnung</mark>" in snippet.passage
    assert "<i>" not in snippet.passage and "<img" not in snippet.passage


def test_a_ticket_found_by_a_filter_shows_its_subject_unmarked():
    ticket = TicketFactory.create(subject="Drucker & Scanner")

    snippet = snippets([ticket.pk], parse("status:new"))[ticket.pk]

    assert snippet.subject == "Drucker &amp; Scanner"
    assert snippet.passage == ""


@pytest.mark.postgres(reason="stemmed matches are marked by PostgreSQL's ts_headline")
def test_another_form_of_the_word_is_marked_too():
    ticket = TicketFactory.create(subject="Frage")
    MessageFactory.create(ticket=ticket, text="Alle Rechnungen sind doppelt. The invoices too.")

    passage = snippets([ticket.pk], parse("rechnung"))[ticket.pk].passage
    english = snippets([ticket.pk], parse("invoice"))[ticket.pk].passage

    assert "<mark>Rechnungen</mark>" in passage
    assert "<mark>invoices</mark>" in english
