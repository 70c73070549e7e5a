"""Why routing put a ticket where it did, kept as data and said twice: in routing's own stable
English for the event's ``rule`` line, the log and the API (scripts read them), and in the
reader's language for the timeline ("Standardteam des Kanals E-Mail; Reihum: Tom ist an der
Reihe"). A rule's own changes are said by ``hub.routing.words``; this is everything else: the
entry point's or the channel's team, how the team's strategy chose (or chose nobody), and a
live conversation handed back when its agent left.

A reason is a few parts, each a kind and its values (names and numbers, as they were when it
was decided). The event keeps them as ``why``: ``[["channel_default", {"channel": "email"}],
["turn", {"agent": "Tom"}]]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from hub.models import Strategy
from hub.models.teams import Presence

Part = tuple[str, dict[str, Any]]

# The English of each kind, as routing wrote its lines before they were kept as data.
ENGLISH = {
    "entry_point": "team of the {channel} entry point",
    "channel_default": "default team of channel {channel}",
    "rule_team": "rule «{name}»",
    "no_team": "no default team: left for a lead to route",
    "manual": "manual assignment: left in the team queue",
    "none_online": "{by}: no agent of the team is online; left in the team queue",
    "all_full": "{channel} capacity: every online agent of the team is at capacity; left in the team queue",
    "turn": "round robin: {agent}'s turn",
    "least_loaded": "{by}: least loaded online agent with room ({count}{of} {channel}s open)",
    "skilled": "has {skills}",
    "unskilled": "nobody with room has {skills}: any agent of the team",
    "idle": "{agent} was idle: set away",
    "quiet": "{agent} went quiet: set away",
    "left": "{agent} is {presence}",
    "back_to_queue": "back to the team queue",
}
# Why an agent's live conversations were handed on: the parts after it follow a colon.
HEADINGS = frozenset({"idle", "quiet", "left"})


@dataclass(frozen=True)
class Reason:
    parts: tuple[Part, ...] = ()

    @classmethod
    def of(cls, kind: str, **values: Any) -> Reason:
        assert kind in ENGLISH, kind
        return cls(((kind, values),))

    def __bool__(self) -> bool:
        return bool(self.parts)

    def __add__(self, other: Reason) -> Reason:
        return Reason(self.parts + other.parts)

    def data(self) -> list[list[Any]]:
        return [[kind, values] for kind, values in self.parts]

    def english(self) -> str:
        return _joined(self.parts, [_english(kind, values) for kind, values in self.parts])


def _joined(parts: tuple[Part, ...], texts: list[str]) -> str:
    line = ""
    for n, text in enumerate(texts):
        if n:
            line += ": " if parts[n - 1][0] in HEADINGS else "; "
        line += text
    return line


def _english(kind: str, values: dict[str, Any]) -> str:
    by = values.get("by", "")
    words = dict(values)
    words["by"] = f"{values.get('channel')} capacity" if by == "capacity" else str(by).replace("_", " ")
    limit = values.get("limit")
    words["of"] = f" of {limit}" if limit is not None else ""
    return ENGLISH[kind].format(**words)


def _by(values: dict[str, Any], channel: str) -> str:
    by = values.get("by", "")
    if by == "capacity":
        return _("%(channel)s capacity") % {"channel": channel}
    return str(Strategy(by).label) if by in Strategy.values else str(by)


def _shown(kind: str, values: dict[str, Any], channel_label: Callable[[str], str]) -> str:
    channel = channel_label(str(values.get("channel", "")))
    if kind == "entry_point":
        return _("team of the %(channel)s entry point") % {"channel": channel}
    if kind == "channel_default":
        return _("default team of the channel %(channel)s") % {"channel": channel}
    if kind == "rule_team":
        return _("rule “%(name)s”") % {"name": values.get("name", "")}
    if kind == "no_team":
        return _("no default team: left for a lead to route")
    if kind == "manual":
        return _("manual assignment: left in the team queue")
    if kind == "none_online":
        return _("%(by)s: nobody of the team is online; left in the team queue") % {"by": _by(values, channel)}
    if kind == "all_full":
        return _("%(channel)s capacity: everyone online in the team is at capacity; left in the team queue") % {
            "channel": channel
        }
    if kind == "turn":
        return _("Round robin: %(agent)s's turn") % {"agent": values.get("agent", "")}
    if kind == "least_loaded":
        said = {"by": _by(values, channel), "count": values.get("count", 0), "channel": channel}
        if values.get("limit") is None:
            return _("%(by)s: least loaded of those online (%(count)s open in %(channel)s)") % said
        said["limit"] = values["limit"]
        return _("%(by)s: least loaded of those online with room (%(count)s of %(limit)s open in %(channel)s)") % said
    if kind == "skilled":
        return _("has %(skills)s") % {"skills": values.get("skills", "")}
    if kind == "unskilled":
        return _("nobody with room has %(skills)s: anyone of the team") % {"skills": values.get("skills", "")}
    if kind == "idle":
        return _("%(agent)s was inactive: set away") % {"agent": values.get("agent", "")}
    if kind == "quiet":
        return _("%(agent)s's workspace went quiet: set away") % {"agent": values.get("agent", "")}
    if kind == "left":
        if values.get("presence") == Presence.OFFLINE:
            return _("%(agent)s is offline") % {"agent": values.get("agent", "")}
        return _("%(agent)s is away") % {"agent": values.get("agent", "")}
    if kind == "back_to_queue":
        return _("back to the team queue")
    return kind


def shown(data: Any, channel_label: Callable[[str], str] = str) -> str | None:
    """The reason an event keeps (``why``) in the reader's language; None for what is not one."""
    if not isinstance(data, list) or not data:
        return None
    parts: list[Part] = []
    for part in data:
        if not (isinstance(part, list) and len(part) == 2 and isinstance(part[1], dict) and part[0] in ENGLISH):
            return None
        parts.append((part[0], part[1]))
    found = tuple(parts)
    return _joined(found, [_shown(kind, values, channel_label) for kind, values in found])
