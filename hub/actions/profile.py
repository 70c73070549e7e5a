"""What an agent changes about themselves (beyond the interface language): their signature."""

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
