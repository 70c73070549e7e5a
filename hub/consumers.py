from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from hub.access import agent_of
from hub.models import Agent
from hub.realtime import ALL_GROUP, agent_group, team_group, ticket_group


class AgentConsumer(AsyncJsonWebsocketConsumer):
    """The agent's live feed: ticket and message events for tickets the agent may see.

    Groups follow ``hub.access``: admins and leads join ``tickets.all``; agents join their
    teams and their own assignee group. The origin is checked before this runs (asgi.py).
    """

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        agent = await database_sync_to_async(self._agent)()
        if agent is None:
            await self.close(code=4401)
            return
        self.agent_id = agent.pk
        names = await database_sync_to_async(self._groups)(agent)
        for name in names:
            await self.channel_layer.group_add(name, self.channel_name)
        self.groups_joined = names
        await self.accept()

    def _agent(self) -> Agent | None:
        user = self.scope.get("user")
        return agent_of(user) if user is not None else None

    def _groups(self, agent: Agent) -> list[str]:
        if agent.sees_everything:
            return [ALL_GROUP]
        return [agent_group(agent.pk)] + [team_group(t) for t in agent.teams.values_list("pk", flat=True)]

    async def disconnect(self, code: int) -> None:
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Agents may follow one open ticket (viewing), to get its events even if it left their
        # scope while open; the ticket is checked against their scope first.
        if isinstance(content, dict) and content.get("type") == "follow":
            ticket_id = content.get("ticket_id")
            if isinstance(ticket_id, int) and await database_sync_to_async(self._may_follow)(ticket_id):
                await self.channel_layer.group_add(ticket_group(ticket_id), self.channel_name)
                self.groups_joined.append(ticket_group(ticket_id))

    def _may_follow(self, ticket_id: int) -> bool:
        from hub.access import visible_tickets

        agent = Agent.objects.get(pk=self.agent_id)
        return visible_tickets(agent).filter(pk=ticket_id).exists()

    async def hub_event(self, event: dict[str, Any]) -> None:
        # An event can reach us twice (team group and ticket group); the client dedupes by version.
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": event["event"]})
