"""The compiled rule set of this process, reloaded when the rules' token moves.

Every batch asks ``current()``: one query reads the token (``RuleSetVersion``); the rules are
read and compiled again only when it differs from the one they were compiled at. Saving or
deleting a rule, a team's routing, a team or an agent gives the token a new value in the same
transaction, so every process sees a change at its next batch, and never one rolled back.
"""

from __future__ import annotations

import threading

from hub.models import RuleSetVersion
from hub.routing.engine import RuleSet

_lock = threading.Lock()
_loaded: tuple[str | None, RuleSet] | None = None


def token() -> str | None:
    return RuleSetVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def current() -> RuleSet:
    """The enabled rules as of now: one query when they have not changed, four when they have."""
    global _loaded
    seen = token()
    loaded = _loaded
    if loaded is not None and loaded[0] == seen:
        return loaded[1]
    rules = RuleSet.load()
    with _lock:
        _loaded = (seen, rules)
    return rules


def forget() -> None:
    """Drop the compiled rules (tests that change rules behind the models' back)."""
    global _loaded
    _loaded = None
