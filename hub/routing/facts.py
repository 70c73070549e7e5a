"""What a rule's conditions read about one message and its ticket, computed on first use.

Built from what the caller holds in memory (the pipeline's interaction, customer and ticket;
an action's locked ticket): reading a fact never queries, except a saved ticket's tags, which
the caller passes in (the pipeline loads them for its whole batch at once).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hub.adapters import Interaction
from hub.models import Customer, Ticket

# A message's text is matched up to this many characters: the rest of a long mail (a quoted
# thread, a pasted log) adds matching time and rarely a reason to route.
TEXT_LIMIT = 20_000


def entry_points(interaction: Interaction) -> dict[str, str]:
    """Where the interaction arrived, as the channels put it in its metadata."""
    meta = interaction.metadata or {}
    found: dict[str, str] = {}
    if isinstance(meta.get("mailbox"), str):
        found["mailbox"] = meta["mailbox"]
    chat = meta.get("chat")
    if isinstance(chat, dict) and chat.get("widget") is not None:
        found["widget"] = str(chat["widget"])
    form = meta.get("form")
    if isinstance(form, dict) and form.get("slug"):
        found["form"] = str(form["slug"])
    if meta.get("number"):
        found["phone_number"] = str(meta["number"])
    return found


def _sender(interaction: Interaction) -> str:
    """The sender's address or number for ``from`` and ``from_domain``; none for a mail kept apart
    by its sender check (its From is not proven and may be forged: a rule on a customer's domain
    must not hand a faker that customer's routing)."""
    for identity in interaction.identities:
        if identity.value:
            return identity.value.strip().lower() if identity.recorded else ""
    return ""


class Facts:
    """The values of condition fields; ``set`` overrides one (a rule that moved the ticket)."""

    def __init__(
        self,
        *,
        ticket: Ticket,
        customer: Customer | None = None,
        interaction: Interaction | None = None,
        tags: frozenset[str] = frozenset(),
        team_slug: Callable[[int | None], str] = lambda _pk: "",
        inside_hours: Callable[[int | None, datetime | None], bool] = lambda _pk, _at: True,
        external: dict[str, Any] | None = None,
    ) -> None:
        self.ticket = ticket
        self.customer = customer
        self.interaction = interaction
        self.team_id: int | None = ticket.team_id
        self._tags = tags
        self._team_slug = team_slug
        self._inside_hours = inside_hours
        self.external = external or {}
        self._values: dict[str, Any] = {}
        self._folded: dict[str, Any] = {}
        # Per field: whether any of the rule set's patterns can match it (``engine.PatternGate``).
        self.gates: dict[str, bool] = {}

    # One dictionary lookup when known (every rule after the first that reads a field): these
    # run for every condition of every rule on every message.
    def get(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = self._read(name)
            return value

    def folded(self, name: str) -> Any:
        """``get``, case-folded when a text: once per message, however many rules compare it."""
        try:
            return self._folded[name]
        except KeyError:
            value = self.get(name)
            folded = self._folded[name] = value.casefold() if isinstance(value, str) else value
            return folded

    def set(self, name: str, value: Any) -> None:
        self._values[name] = value
        self._folded.pop(name, None)
        self.gates.pop(name, None)

    def move_to_team(self, team_id: int | None, slug: str) -> None:
        self.team_id = team_id
        self.set("ticket.team", slug)
        self._values.pop("business_hours", None)
        self._folded.pop("business_hours", None)

    def _read(self, name: str) -> Any:
        t, c, i = self.ticket, self.customer, self.interaction
        if name == "channel":
            return i.channel if i else t.origin_channel
        if name in ("mailbox", "widget", "form", "phone_number"):
            return entry_points(i).get(name) if i else None
        if name == "entry_point":
            return next(iter(entry_points(i).values()), None) if i else None
        if name == "subject":
            return (i.subject if i and i.subject else t.subject) or ""
        if name == "body":
            return (i.text if i else t.last_message_preview)[:TEXT_LIMIT]
        if name == "from":
            return _sender(i) if i else None
        if name == "from_domain":
            sender = _sender(i) if i else ""
            return sender.rsplit("@", 1)[1] if "@" in sender else None
        if name.startswith("customer."):
            return self._customer(name, c)
        if name == "ticket.priority":
            return t.priority
        if name == "ticket.status":
            return t.status
        if name == "ticket.tags":
            return self._tags
        if name == "ticket.team":
            return self._team_slug(self.team_id)
        if name == "language":
            return t.language or (i.language if i else "") or None
        if name == "sentiment":
            return t.sentiment
        if name == "business_hours":
            return "inside" if self._inside_hours(self.team_id, None) else "outside"
        if name.startswith("external."):
            return _dig(self.external, name.removeprefix("external."))
        return None

    @staticmethod
    def _customer(name: str, c: Customer | None) -> Any:
        if c is None:
            return None
        if name == "customer.key_account":
            return bool(c.vip or (c.organization is not None and c.organization.key_account))
        if name == "customer.organization":
            return c.organization.name if c.organization is not None else None
        if name == "customer.segment":
            return c.segment or None
        if name == "customer.language":
            return c.language or None
        if name.startswith("customer.attributes."):
            attributes = getattr(c, "attributes", None)
            return _dig(attributes, name.removeprefix("customer.attributes.")) if isinstance(attributes, dict) else None
        return None


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data
