"""What an agent typed into the search field, taken apart. Pure: no database, no settings.

The syntax is the one people know from mail and helpdesk searches::

    Rechnung "nicht angekommen" -Gutschrift lieferung OR versand status:open from:anna@example.com

- words must all match (in any form of either language: the database stems them);
- ``"quoted words"`` match as a phrase; German quotes („…“) and guillemets work too;
- ``-word``, ``-"a phrase"`` and ``-status:closed`` exclude;
- ``a OR b`` matches either (``OR`` in capitals; it binds the words on both sides of it);
- ``name:value`` is a filter when ``name`` is one of ``FILTERS`` (German names too); a value
  with spaces is quoted (``team:"First level"``), several values are given with commas
  (``status:open,pending``) or by repeating the filter; anything else with a colon stays text
  (``10:30``, ``re:``), so nothing an agent types is lost;
- ``#4711`` is the ticket with that number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from hub.text import whole_number

# The longest query taken: the rest is cut, so no request builds an enormous database query.
MAX_LENGTH = 500
MAX_CLAUSES = 20

# Filter names as typed (lower case) → their canonical name.
FILTERS: dict[str, str] = {
    "status": "status",
    "channel": "channel",
    "kanal": "channel",
    "from": "from",
    "von": "from",
    "customer": "customer",
    "kunde": "customer",
    "org": "org",
    "organization": "org",
    "organisation": "org",
    "firma": "org",
    "tag": "tag",
    "team": "team",
    "assignee": "assignee",
    "bearbeiter": "assignee",
    "before": "before",
    "vor": "before",
    "after": "after",
    "nach": "after",
    "seit": "after",
}

_OPENING_QUOTES = '"„“«»'
_CLOSING_QUOTES = '"“”»«'
_FILTER = re.compile(r"^([^\W\d_][\w]*):(.+)$", re.DOTALL)
_NUMBER = re.compile(r"^#(\d{1,18})$")


@dataclass(frozen=True)
class Atom:
    """A word, or several words matched as a phrase."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Filter:
    name: str  # canonical, a value of FILTERS
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Query:
    raw: str
    # Every clause must match; a clause matches when any of its atoms does (``a OR b``).
    clauses: tuple[tuple[Atom, ...], ...] = ()
    excluded: tuple[Atom, ...] = ()
    filters: tuple[Filter, ...] = ()
    numbers: tuple[int, ...] = ()
    # Whether the query used any syntax at all (quotes, OR, -, a filter, #number).
    syntax: bool = False

    @property
    def empty(self) -> bool:
        return not (self.clauses or self.excluded or self.filters or self.numbers)

    @property
    def has_text(self) -> bool:
        return bool(self.clauses or self.excluded)

    @property
    def plain(self) -> bool:
        """Only words, as a person types a name or a number: no syntax of any kind."""
        return not self.syntax and bool(self.clauses)

    @property
    def positive(self) -> tuple[Atom, ...]:
        """The atoms a result matches by (for highlighting)."""
        return tuple(atom for clause in self.clauses for atom in clause)

    def filters_named(self, name: str) -> list[Filter]:
        return [f for f in self.filters if f.name == name]

    @property
    def lone_number(self) -> int | None:
        """The number typed alone ("4711"): it may be a ticket's number as well as a word."""
        if len(self.clauses) == 1 and len(self.clauses[0]) == 1 and not self.excluded:
            atom = self.clauses[0][0]
            if not atom.phrase:
                return whole_number(atom.text)
        return None


@dataclass
class _Token:
    text: str
    negated: bool = False
    quoted: bool = False  # the whole token was in quotes: a phrase
    is_or: bool = False


def _tokens(text: str) -> list[_Token]:
    """Split on white space, keeping quoted stretches (also a filter's quoted value) whole."""
    found: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        if text[i] in _OPENING_QUOTES:
            end = i + 1
            while end < n and text[end] not in _CLOSING_QUOTES:
                end += 1
            found.append(_Token(text[i + 1 : end], negated=negated, quoted=True))
            i = end + 1
            continue
        start = i
        parts: list[str] = []
        while i < n and not text[i].isspace():
            if text[i] in _OPENING_QUOTES and i > start and text[i - 1] == ":":
                # name:"a value with spaces"
                end = i + 1
                while end < n and text[end] not in _CLOSING_QUOTES:
                    end += 1
                parts.append(text[start:i] + text[i + 1 : end])
                i = end + 1
                start = i
                continue
            i += 1
        parts.append(text[start:i])
        word = "".join(parts)
        if word == "OR" and not negated:
            found.append(_Token(word, is_or=True))
        elif word and word != "-":
            found.append(_Token(word, negated=negated))
    return found


def _split_values(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse(text: str) -> Query:
    """``text`` taken apart (see the module docstring). Never fails: what is no syntax is text."""
    raw = (text or "")[:MAX_LENGTH]
    clauses: list[list[Atom]] = []
    excluded: list[Atom] = []
    filters: list[Filter] = []
    numbers: list[int] = []
    syntax = False
    join_next = False  # the previous token was OR
    for token in _tokens(raw):
        if token.is_or:
            syntax = True
            join_next = bool(clauses)
            continue
        atom: Atom | None = None
        if token.quoted:
            syntax = True
            words = " ".join(token.text.split())
            if words:
                atom = Atom(words, phrase=" " in words)
        else:
            match = _FILTER.match(token.text)
            name = FILTERS.get(match.group(1).lower()) if match else None
            number = _NUMBER.match(token.text)
            if match and name:
                values = _split_values(match.group(2))
                if values:
                    syntax = True
                    filters.append(Filter(name, values, token.negated))
                    join_next = False
                    continue
            if number and not token.negated:
                syntax = True
                numbers.append(int(number.group(1)))
                join_next = False
                continue
            atom = Atom(token.text)
        if atom is None:
            continue
        if token.negated:
            syntax = True
            excluded.append(atom)
            join_next = False
        elif join_next and clauses:
            clauses[-1].append(atom)
            join_next = False
        else:
            clauses.append([atom])
    return Query(
        raw=raw,
        clauses=tuple(tuple(clause) for clause in clauses[:MAX_CLAUSES]),
        excluded=tuple(excluded[:MAX_CLAUSES]),
        filters=tuple(filters[:MAX_CLAUSES]),
        numbers=tuple(numbers[:MAX_CLAUSES]),
        syntax=syntax,
    )


# -- values of the filters that need no database --------------------------------------------

# Status values and their names in both languages (lower case) → the stored value.
STATUSES: dict[str, str] = {
    "new": "new",
    "neu": "new",
    "open": "open",
    "offen": "open",
    "pending": "pending",
    "wartend": "pending",
    "on_hold": "on_hold",
    "on-hold": "on_hold",
    "onhold": "on_hold",
    "hold": "on_hold",
    "zurückgestellt": "on_hold",
    "solved": "solved",
    "gelöst": "solved",
    "geloest": "solved",
    "closed": "closed",
    "geschlossen": "closed",
}

# Channel names people type → the channel key.
CHANNELS: dict[str, str] = {
    "mail": "email",
    "e-mail": "email",
    "telefon": "phone",
    "anruf": "phone",
    "call": "phone",
    "webformular": "web",
    "form": "web",
    "formular": "web",
}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_RELATIVE = re.compile(r"^(\d{1,4})([dwmy])$", re.IGNORECASE)
_RELATIVE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def status_value(value: str) -> str | None:
    return STATUSES.get(value.strip().lower())


def channel_value(value: str) -> str:
    key = value.strip().lower()
    return CHANNELS.get(key, key)


# The days a filter may name: a day outside them cannot be turned into an instant in every time
# zone (the first and last days of the calendar overflow), and no ticket lies there.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def date_value(value: str, today: date) -> date | None:
    """A day: 2024-05-31, 31.5.2024, or a span back from ``today`` (7d, 2w, 3m, 1y); None for
    no day, or one before ``EARLIEST_DAY`` or after ``LATEST_DAY``."""
    day = _date_value(value, today)
    return day if day is not None and EARLIEST_DAY <= day <= LATEST_DAY else None


def _date_value(value: str, today: date) -> date | None:
    value = value.strip()
    try:
        if m := _ISO_DATE.match(value):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _GERMAN_DATE.match(value):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _RELATIVE.match(value):
            return today - timedelta(days=int(m.group(1)) * _RELATIVE_DAYS[m.group(2).lower()])
        if value.lower() in ("today", "heute"):
            return today
        if value.lower() in ("yesterday", "gestern"):
            return today - timedelta(days=1)
    except (ValueError, OverflowError):
        return None
    return None
