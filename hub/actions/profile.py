"""What an agent changes about themselves (beyond the interface language): their signature,
whether the workspace opens the next ticket after a reply, and whether the timeline shows its
system events."""

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


# The workspace's switches an agent sets for themselves: whether it opens the list's next ticket
# once their reply has gone out, whether the timeline shows its system events, and whether the
# list is compact.
SWITCHES = ("open_next_after_send", "show_system_events", "compact_list")


def do_set_switch(agent: Agent, switch: str, on: bool) -> Agent:
    """Set one of the agent's own ``SWITCHES``."""
    if switch not in SWITCHES:
        raise ValueError(f"not an agent's switch: {switch}")
    if getattr(agent, switch) != on:
        setattr(agent, switch, on)
        agent.save(update_fields=[switch])
    return agent
