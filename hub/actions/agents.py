from __future__ import annotations

from django.conf import settings

from hub.models import Agent


def do_set_language(agent: Agent, language: str) -> Agent:
    """Set the agent's interface language; an empty value follows the browser again."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported language {language!r}")
    if agent.language != language:
        agent.language = language
        agent.save(update_fields=["language"])
    return agent
