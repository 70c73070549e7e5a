"""Database side of the chat benchmark: its team, agents, widget, visitor tokens and checks.

Idempotent by natural keys (team slug, usernames, widget key, visitor ids), so a reused
database keeps one set of them: the second run finds the conversations and their tickets and
need not wait for the pipeline to make them. Message ids carry the run id, so the counts of a
run are its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.tokens import Visitor, visitor_token
from hub.models import Agent, InboundEvent, Message, Team
from hub.models.inbound import InboundState
from hub.models.teams import Presence, Role

TEAM_SLUG = "bench-chat"
WIDGET_KEY = "bench-chat-widget"
ORIGIN = "http://bench.example"
AGENT_PREFIX = "bench.chat.agent"


@dataclass(frozen=True)
class BenchAgent:
    pk: int
    name: str
    cookie: str  # the session cookie header value that logs this agent in


@dataclass(frozen=True)
class Fixture:
    widget_key: str
    origin: str
    agents: list[BenchAgent]
    visitor_ids: list[str]
    tokens: list[str]


def prepare(visitors: int, agents: int) -> Fixture:
    team, _ = Team.objects.get_or_create(slug=TEAM_SLUG, defaults={"name": "Bench Chat"})
    widget, _ = Widget.objects.get_or_create(
        key=WIDGET_KEY, defaults={"name": "Bench chat", "team": team, "allowed_origins": [ORIGIN]}
    )
    if widget.team_id != team.pk or ORIGIN not in widget.allowed_origins or not widget.enabled:
        widget.team, widget.allowed_origins, widget.enabled = team, [ORIGIN], True
        widget.save(update_fields=["team", "allowed_origins", "enabled"])
    bench_agents = [_agent(f"{AGENT_PREFIX}{n}", team) for n in range(agents)]
    visitor_ids = [f"bench-v{n}" for n in range(visitors)]
    tokens = [visitor_token(Visitor(widget.key, v)) for v in visitor_ids]
    return Fixture(widget.key, ORIGIN, bench_agents, visitor_ids, tokens)


def _agent(username: str, team: Team) -> BenchAgent:
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": username.rsplit(".", 1)[-1]}
    )
    if created:
        user.set_unusable_password()
        user.save()
    agent, _ = Agent.objects.get_or_create(user=user, defaults={"role": Role.AGENT})
    agent.teams.add(team)
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE, role=Role.AGENT)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return BenchAgent(agent.pk, username, f"{settings.SESSION_COOKIE_NAME}={store.session_key}")


def tickets(visitor_ids: list[str]) -> dict[str, tuple[str, int]]:
    """visitor id → (session public id, ticket id) for the conversations the pipeline threaded."""
    sessions = dict(
        ChatSession.objects.filter(widget__key=WIDGET_KEY, visitor_id__in=visitor_ids).values_list(
            "public_id", "visitor_id"
        )
    )
    keys = {str(k): v for k, v in sessions.items()}
    found: dict[str, tuple[str, int]] = {}
    rows = Message.objects.filter(channel="chat", thread_key__in=list(keys)).values_list("thread_key", "ticket_id")
    for thread_key, ticket_id in rows:
        found[keys[thread_key]] = (thread_key, ticket_id)
    return found


def pipeline_state(run_id: str) -> dict[str, int]:
    """How many of this run's inbound events are in each state (received, processed, …)."""
    # external_id is "<widget>:<session>:<client id>" and every client id of a run holds its id.
    rows = (
        InboundEvent.objects.filter(channel="chat", external_id__startswith=f"{WIDGET_KEY}:")
        .filter(external_id__contains=f"-{run_id}-")
        .values("state")
        .annotate(n=Count("id"))
    )
    counts = {row["state"]: row["n"] for row in rows}
    counts.setdefault(InboundState.PROCESSED, 0)
    return counts


def analyze() -> None:
    """Statistics for the tables a fresh database's first chats filled, as autovacuum gathers
    them within a minute of such a burst."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def hub_message_ids(session_ids: list[str]) -> dict[str, int]:
    """Inbound chat client id → hub Message id, to match agent feed events to visitor messages."""
    found: dict[str, int] = {}
    rows = Message.objects.filter(channel="chat", thread_key__in=session_ids, direction="in").values_list(
        "external_id", "pk"
    )
    for external_id, pk in rows:
        found[(external_id or "").rsplit(":", 1)[-1]] = pk
    return found


def duplicates(session_ids: list[str]) -> dict[str, int]:
    """Messages stored twice in this run: the chat log and the hub's messages, by client id."""
    log = (
        ChatMessage.objects.filter(session__public_id__in=session_ids)
        .values("session_id", "client_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    hub = (
        Message.objects.filter(channel="chat", thread_key__in=session_ids, direction="in")
        .values("external_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {"chat_log": log, "hub": hub}


def query_costs(visitor_id: str, ticket_id: int, agent_pk: int, run_id: str) -> dict[str, int]:
    """Queries the server makes for one customer message and one agent reply, on a real chat.

    The same functions the websocket consumers call, counted in this process: the visitor's
    inside a transaction (so the in-process pipeline of an eager setup is not counted), its
    savepoint left out; the agent's as the pane sends it, with the agent's teams known.
    """
    from channels_chat import actions
    from hub.access import team_ids

    session = ChatSession.objects.filter(widget__key=WIDGET_KEY, visitor_id=visitor_id).order_by("-created_at").first()
    assert session is not None
    agent = Agent.objects.select_related("user").get(pk=agent_pk)
    team_ids(agent)
    with transaction.atomic(), CaptureQueriesContext(connection) as visitor:
        actions.post_visitor_message(session, client_id=f"cost-{run_id}-v", text="bench cost")
    with CaptureQueriesContext(connection) as reply:
        actions.reply_from_pane(agent, ticket_id, text="bench cost", client_id=f"cost-{run_id}-a")
    statements = [q for q in visitor.captured_queries if "SAVEPOINT" not in q["sql"]]
    return {"visitor": len(statements), "reply": len(reply.captured_queries)}
