"""Where a query matched, as HTML: the subject and a passage of a message, matches in ``<mark>``.

The text is never trusted: PostgreSQL's ``ts_headline`` marks matches with two private-use
characters (removed from the text first, so the text cannot fake one), the result is escaped
whole, and only then do the two characters become ``<mark>`` and ``</mark>``. Nothing a
customer wrote can open an element. On SQLite the same is done in Python with plain substrings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any

from django.db import connections
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe

from hub.models import Message, MessageKind, Ticket
from hub.search.query import Atom, Query
from hub.search.tickets import atoms_sql

START, STOP = "\ue000", "\ue001"
# Only the newest messages of a ticket are looked at for a passage, each up to this long.
MESSAGES = 10
PASSAGE_CHARS = 2000
_HEADLINE = (
    f'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)
_SUBJECT = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"


def marked(text: str) -> SafeString:
    """Text with START/STOP around matches, as safe HTML: escaped first, then marked."""
    html = escape(text, quote=True).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped on the line above; only our two marks become tags


def _clean(text: str) -> str:
    return text.replace(START, "").replace(STOP, "")


def mark_atoms(text: str, atoms: tuple[Atom, ...]) -> SafeString:
    """``text`` with every case-insensitive occurrence of an atom marked (the SQLite way)."""
    text = _clean(text)
    spans: list[tuple[int, int]] = []
    for atom in atoms:
        for found in re.finditer(re.escape(atom.text), text, flags=re.IGNORECASE):
            spans.append(found.span())
    spans.sort()
    parts: list[str] = []
    at = 0
    for start, end in spans:
        if start < at:
            continue
        parts += [text[at:start], START, text[start:end], STOP]
        at = end
    parts.append(text[at:])
    return marked("".join(parts))


@dataclass(frozen=True)
class Snippet:
    subject: SafeString
    passage: SafeString  # where a message matched, or "" (the match was the subject, or a filter)
    note: bool = False  # the passage is from an internal note


def _passage_around(text: str, atoms: tuple[Atom, ...]) -> str:
    lowered = text.lower()
    hits = [i for i in (lowered.find(a.text.lower()) for a in atoms) if i >= 0]
    if not hits:
        return ""
    start = max(0, min(hits) - 80)
    cut = text[start : start + 240]
    return ("…" if start else "") + cut + ("…" if start + 240 < len(text) else "")


def _fallback(tickets: dict[int, str], query: Query) -> dict[int, Snippet]:
    atoms = query.positive
    found: dict[int, Snippet] = {}
    recent = Message.objects.filter(ticket_id__in=list(tickets)).exclude(kind=MessageKind.SYSTEM)
    words = Q()
    for atom in atoms:
        words |= Q(text__icontains=atom.text)
    passages: dict[int, tuple[str, bool]] = {}
    if atoms:
        for ticket_id, text, kind in (
            recent.filter(words).order_by("-created_at", "-id").values_list("ticket_id", "text", "kind")
        ):
            if ticket_id not in passages:
                passages[ticket_id] = (_passage_around(text[:PASSAGE_CHARS], atoms), kind == MessageKind.NOTE)
    for pk, subject in tickets.items():
        passage, note = passages.get(pk, ("", False))
        found[pk] = Snippet(mark_atoms(subject, atoms), mark_atoms(passage, atoms) if passage else SafeString(""), note)
    return found


def snippets(ids: list[int], query: Query, db: str = "default") -> dict[int, Snippet]:
    """For each ticket id, its subject and the newest matching passage, matches marked; one query."""
    if not ids:
        return {}
    if connections[db].vendor != "postgresql" or not query.positive:
        subjects = dict(Ticket.objects.using(db).filter(pk__in=ids).values_list("pk", "subject"))
        return _fallback(subjects, query)
    # Any positive word or phrase: the words of an AND may sit in different messages.
    tsquery, params = atoms_sql(query.positive)
    sql = f"""
        WITH q AS (SELECT {tsquery} AS q)
        SELECT t.id,
               t.subject,
               ts_headline('german', translate(t.subject, %s, ''), q.q, %s),
               ts_headline('english', translate(t.subject, %s, ''), q.q, %s),
               p.kind,
               ts_headline('german', p.body, q.q, %s),
               ts_headline('english', p.body, q.q, %s)
          FROM hub_ticket t
          CROSS JOIN q
          LEFT JOIN LATERAL (
              SELECT m.kind, m.body
                FROM (
                    SELECT kind, translate(left(text, %s), %s, '') AS body
                      FROM hub_message
                     WHERE ticket_id = t.id AND kind <> 'system' AND text <> ''
                     ORDER BY created_at DESC, id DESC
                     LIMIT %s
                ) m
               WHERE hub_search_words(m.body) @@ q.q
               LIMIT 1
          ) p ON true
         WHERE t.id = ANY(%s)
    """  # noqa: S608 - fixed fragments; the words travel as parameters
    marks = START + STOP
    args: list[Any] = [*params, marks, _SUBJECT, marks, _SUBJECT, _HEADLINE, _HEADLINE]
    args += [PASSAGE_CHARS, marks, MESSAGES, ids]
    found: dict[int, Snippet] = {}
    with connections[db].cursor() as cursor:
        cursor.execute(sql, args)
        for pk, raw, subject_de, subject_en, kind, body_de, body_en in cursor.fetchall():
            subject = subject_de if START in subject_de else subject_en
            # ts_headline drops what looks like markup ("<select>"): a subject stays whole.
            shown = marked(subject) if _clean(subject) == _clean(raw) else mark_atoms(raw, query.positive)
            body = body_de if body_de and START in body_de else (body_en or "")
            found[pk] = Snippet(shown, marked(body) if body else SafeString(""), kind == MessageKind.NOTE)
    return found
