"""What an agent changes about themselves (beyond the interface language): their signature, and
whether the workspace opens the next ticket after a reply."""

from __future__ import annotations

from hub.models import Agent
from hub.text import clean_text

MAX_SIGNATURE = 2000


def do_set_signature(agent: Agent, signature: str) -> Agent:
    """The agent's email signature (canned-reply placeholders allowed); "" for none."""
    value = clean_text(signature).strip()[:MAX_SIGNATURE]
    if agent.signature != value:
        agent.signature = value
        agent.save(update_fields=["signature"])
    return agent


def do_set_open_next_after_send(agent: Agent, on: bool) -> Agent:
    """Whether the workspace opens the list's next ticket once the agent's reply has gone out."""
    if agent.open_next_after_send != on:
        agent.open_next_after_send = on
        agent.save(update_fields=["open_next_after_send"])
    return agent
