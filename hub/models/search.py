from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.tickets import Ticket


class TicketSearch(models.Model):
    """The words of one ticket for full-text search (``hub.search``), on PostgreSQL.

    ``document`` holds the subject (weight A) and the text of its messages and notes (weight B),
    each in German and English stems, so "Rechnungen" finds "Rechnung" and "invoices" finds
    "invoice". PostgreSQL keeps it current itself: triggers (migration 0019) add a new ticket's
    subject and append the words of every INSERT of messages, one statement however many rows,
    so every writer (the pipeline's batch, replies, notes, moves, the demo data's COPY) is covered
    without knowing of it. ``size`` counts the characters taken in: a ticket's first
    ``hub.search.index.LIMIT`` are searchable, which keeps the document under PostgreSQL's
    1 MB limit whatever the text is.

    A table of its own rather than a column of Ticket: a ticket row has fourteen indexes, and
    each message would rewrite it a second time. On SQLite the table stays empty and the search
    reads the messages themselves (``hub.search.tickets``).
    """

    # No database constraint from Django: on PostgreSQL the migration adds one that deletes
    # the row with its ticket (ON DELETE CASCADE), which Django 5.2 cannot declare.
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_row",
    )
    document = SearchVectorField(_("search words"))
    size = models.PositiveIntegerField(_("characters taken in"), default=0)
    # Set by the triggers when a moved, changed or deleted message (or a new subject) leaves the
    # document behind; the end of that statement builds the marked documents again.
    stale = models.BooleanField(_("out of date"), default=False, db_default=False)

    class Meta:
        verbose_name = _("search words of a ticket")
        verbose_name_plural = _("search words of tickets")
        indexes = [models.Index(fields=["ticket"], name="ticketsearch_stale", condition=models.Q(stale=True))]

    def __str__(self) -> str:
        return f"search words of #{self.ticket_id}"
