"""Canned replies as the composer uses them: which an agent may use, the search, the language
variant, and the placeholder renderer.

The renderer is not a template engine. It knows one form, ``{{ name.path }}``, and a fixed
list of names; everything else in a text (``{% … %}``, ``{{ ''.__class__ }}``, a brace the
customer typed) stays as it is, inert. Values are inserted once, as plain text, and never read
again, so a customer whose name is ``{{agent.name}}`` is greeted with exactly that. Placeholders
it cannot fill (an unknown name, an empty value) stay visible in the text and are listed, so
the composer can show them to the agent before anything is sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from hub.access import team_ids
from hub.models import Agent, CannedReply, CannedScope, Ticket
from hub.models.canned import LANGUAGES
from hub.routing import lookup

SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
NAME = re.compile(r"[a-z]+(?:\.[A-Za-z0-9_-]+)+")
# What the settings screen lists under the text areas (attributes and external fields by example).
KNOWN = (
    "customer.first_name",
    "customer.last_name",
    "customer.name",
    "ticket.number",
    "ticket.subject",
    "agent.name",
    "agent.first_name",
    "organization.name",
    "customer.attributes.<name>",
    "external.<field>",
)
SEARCH_LIMIT = 10


# --- Who may use and manage which -------------------------------------------------------------


def scoped_to(agent: Agent) -> Q:
    """Their own, their teams', everyone's: what ``agent`` may use of a scoped kind (canned
    replies, macros). Callers refuse viewers first."""
    return (
        Q(scope=CannedScope.GLOBAL)
        | Q(scope=CannedScope.TEAM, team_id__in=team_ids(agent))
        | Q(scope=CannedScope.PERSONAL, owner=agent)
    )


def usable_by(agent: Agent) -> QuerySet[CannedReply]:
    """The replies ``agent`` may use: their own, their teams', everyone's. Nobody else's."""
    if not agent.can_change:
        return CannedReply.objects.none()
    return CannedReply.objects.filter(scoped_to(agent))


def manages_shared(agent: Agent) -> bool:
    """Admins and leads keep the team and global replies; every agent keeps their own."""
    return agent.can_change and agent.sees_everything


def may_manage(agent: Agent, reply: CannedReply) -> bool:
    if not agent.can_change:
        return False
    if reply.scope == CannedScope.PERSONAL:
        return reply.owner_id == agent.pk
    return manages_shared(agent)


def listed_for(agent: Agent) -> QuerySet[CannedReply]:
    """What the settings screen lists: what the agent may use, and for admins and leads every
    shared reply (other teams' too); another agent's personal replies never."""
    shown = usable_by(agent)
    if manages_shared(agent):
        shown = CannedReply.objects.filter(Q(pk__in=shown.values("pk")) | ~Q(scope=CannedScope.PERSONAL))
    return shown


# --- Search ---------------------------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _plain(text: str) -> str:
    """Without accents: "Rückgabe" → "ruckgabe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded(text: str) -> tuple[str, str]:
    """Two spellings to compare: umlauts written out ("rueckgabe") and dropped ("ruckgabe"),
    so "rück", "rueck" and "ruck" all find "Rückgabe"."""
    lowered = unicodedata.normalize("NFC", text.casefold())
    return _plain(lowered.translate(_UMLAUTS)), _plain(lowered)


def match_rank(reply: CannedReply, query: str) -> int | None:
    """0 best; None: no match."""
    if not query:
        return 3
    best: int | None = None
    for q in dict.fromkeys(folded(query)):
        for text, base in ((reply.shortcut, 0), (reply.title, 1)):
            for candidate in folded(text):
                if candidate.startswith(q):
                    rank = base
                elif q in candidate:
                    rank = 2
                else:
                    continue
                best = rank if best is None else min(best, rank)
    return best


def search(agent: Agent, query: str, *, limit: int = SEARCH_LIMIT) -> list[CannedReply]:
    """The agent's replies whose shortcut or title contains ``query``, case and umlauts aside:
    shortcut prefixes first, then title prefixes, then the rest, the most used first in each.

    Ranked in Python: an agent uses tens or a few hundred replies, and the folding that makes
    "rueck" find "Rück" is the same on SQLite and PostgreSQL this way.
    """
    query = query.strip()[:80]
    ranked: list[tuple[int, int, str, CannedReply]] = []
    for reply in usable_by(agent).select_related("team"):
        rank = match_rank(reply, query)
        if rank is not None:
            ranked.append((rank, -reply.usage_count, reply.title.casefold(), reply))
    ranked.sort(key=lambda row: row[:3])
    return [row[3] for row in ranked[:limit]]


# --- Language -------------------------------------------------------------------------------


def _code(language: str | None) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def choose_language(texts: Mapping[str, str], *preferred: str | None) -> tuple[str, str]:
    """``(language, text)``: the first of ``preferred`` with a text, else any with one."""
    filled = {k: v for k, v in texts.items() if isinstance(v, str) and v.strip()}
    for wanted in preferred:
        code = _code(wanted)
        if code in filled:
            return code, filled[code]
    for code in (*LANGUAGES, *filled):
        if code in filled:
            return code, filled[code]
    return "", ""


def variant_for(reply: CannedReply, ticket: Ticket, agent: Agent) -> tuple[str, str]:
    """The customer's language first, then the ticket's, then the agent's, then any."""
    return choose_language(reply.texts, ticket.customer.language, ticket.language, agent.language)


# --- Rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    text: str
    # Placeholders left in the text: names nobody knows, and known ones without a value.
    unknown: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


Values = Mapping[str, Callable[[], Any]]


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, dict | list | tuple):
        return ""
    if value is True or value is False:
        return "✓" if value else "✗"
    return str(value).strip()


def _path(data: Any, parts: Iterable[str]) -> Any:
    for part in parts:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def render(text: str, values: Values, *, prefixes: Mapping[str, Callable[[list[str]], Any]] | None = None) -> Rendered:
    """Fill ``{{ name }}`` placeholders from ``values`` (name → getter) and ``prefixes``
    (``"external"`` → getter of the rest of the path). One pass: inserted values are never
    parsed again. Anything else stays as written."""
    unknown: list[str] = []
    empty: list[str] = []

    def getter_of(name: str) -> Callable[[], Any] | None:
        if not NAME.fullmatch(name):
            return None
        if name in values:
            return values[name]
        for prefix, by_path in (prefixes or {}).items():
            if name.startswith(prefix + "."):
                tail = name[len(prefix) + 1 :].split(".")
                return lambda: by_path(tail)
        return None

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        getter = getter_of(name)
        if getter is None:
            # Shown to the agent as written, cut short: a stray "{{" may run far.
            shown = name if len(name) <= 60 else name[:59] + "…"
            if shown not in unknown:
                unknown.append(shown)
            return match.group(0)
        value = _scalar(getter())
        if not value:
            if name not in empty:
                empty.append(name)
            return match.group(0)
        return value

    return Rendered(PLACEHOLDER.sub(fill, text), unknown, empty)


def _first_last(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def render_for(text: str, ticket: Ticket, agent: Agent) -> Rendered:
    """``text`` with the ticket's customer, organization and agent filled in. The external
    lookup is read from its cache only (never asked here); a missing answer leaves
    ``{{external.…}}`` empty."""
    customer = ticket.customer
    name = customer.display_name
    values: dict[str, Callable[[], Any]] = {
        "customer.first_name": lambda: _first_last(name)[0],
        "customer.last_name": lambda: _first_last(name)[1],
        "customer.name": lambda: name,
        "ticket.number": lambda: ticket.pk,
        "ticket.subject": lambda: ticket.subject,
        "agent.name": lambda: agent.name,
        "agent.first_name": lambda: agent.user.first_name or agent.name,
        "organization.name": lambda: customer.organization.name if customer.organization is not None else "",
    }
    prefixes: dict[str, Callable[[list[str]], Any]] = {
        "customer.attributes": lambda path: _path(customer.attributes or {}, path),
        "external": lambda path: _path(lookup.cached(customer.pk).data or {}, path),
    }
    return render(text, values, prefixes=prefixes)
