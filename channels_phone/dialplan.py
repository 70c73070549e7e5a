"""What a caller hears and who is rung: greeting, then the team's free agents one after the other
(the one idle longest first), else the voicemail; outside business hours, the voicemail at once.

The plan is provider-neutral (``providers.base.Plan``); each provider writes it in its own
markup. Which agents were rung is kept on the call, so a replayed request rings nobody new.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channels_phone import hours
from channels_phone.models import AgentLine, Call, CallState, PhoneNumber
from channels_phone.providers.base import Dial, Hangup, Plan, Play, Record, Say, Step, Target
from channels_phone.webhooks import public_url
from hub.models import Agent
from hub.models.teams import Presence

ON_CALL_AT_MOST = timedelta(hours=4)


def free_agents(team_id: int | None, rung: list[int], limit: int) -> list[tuple[Agent, AgentLine]]:
    """Online agents of the team with a line, not on a call and not rung yet, idle longest first
    (by the end of their latest call; never called first)."""
    if team_id is None or limit <= 0:
        return []
    # On a call: one they took that has not ended. A call whose end never reached us (a lost
    # callback) stops counting after a while, or its agent would never be rung again.
    on_call = Call.objects.filter(
        answered_by=OuterRef("pk"),
        ended_at__isnull=True,
        status=CallState.IN_PROGRESS,
        started_at__gte=timezone.now() - ON_CALL_AT_MOST,
    )
    last_call = (
        Call.objects.filter(answered_by=OuterRef("pk"), ended_at__isnull=False).order_by("-ended_at").values("ended_at")
    )
    agents = (
        Agent.objects.filter(teams=team_id, presence=Presence.ONLINE, phone_line__enabled=True)
        .exclude(pk__in=rung)
        .exclude(phone_line__phone="", phone_line__client="")
        .exclude(Exists(on_call))
        .annotate(last_call=Subquery(last_call[:1]))
        .select_related("phone_line")
        .order_by(F("last_call").asc(nulls_first=True), "pk")[:limit]
    )
    return [(agent, agent.phone_line) for agent in agents]


def is_open(number: PhoneNumber) -> bool:
    """Inside the number's business hours (its own calendar, else its team's) now."""
    return hours.is_open(number)


def _language(number: PhoneNumber) -> str:
    return (number.language or settings.LANGUAGE_CODE).split("-")[0]


def _greeting(number: PhoneNumber) -> Step:
    if number.greeting_audio_url:
        return Play(number.greeting_audio_url)
    return Say(number.greeting or _("Welcome. Please hold, we are connecting you."), number.language)


def _dial(number: PhoneNumber, call: Call, provider: str, agent_id: int, line: AgentLine) -> Dial:
    target = Target(phone=line.phone) if line.phone else Target(client=line.client)
    action = public_url("channels_phone:dial", provider, agent=agent_id)
    return Dial((target,), settings.PHONE_RING_SECONDS, action, caller_id=call.from_number)


def _voicemail(number: PhoneNumber, provider: str, *, closed: bool) -> list[Step]:
    steps: list[Step] = []
    if closed:
        steps.append(Say(_("We are closed right now."), number.language))
    if not number.voicemail:
        steps += [Say(_("Nobody can take your call right now. Please call again later."), number.language), Hangup()]
        return steps
    steps.append(Say(_("Please leave a message after the tone. We will call you back."), number.language))
    steps.append(
        Record(
            max_length=settings.PHONE_VOICEMAIL_MAX_SECONDS,
            action_url=public_url("channels_phone:dial", provider, recorded=1),
            callback_url=public_url("channels_phone:recording", provider),
        )
    )
    steps.append(Hangup())
    return steps


def _plan(provider: str, steps: list[Step]) -> Plan:
    return Plan(tuple(steps), status_url=public_url("channels_phone:status", provider))


def _next(number: PhoneNumber, call: Call, provider: str) -> list[Step]:
    """Ring the next free agent (noting it on the call), else the voicemail (noted too)."""
    tried = [int(a) for a in call.dialed]
    if len(tried) < settings.PHONE_DIAL_MAX_AGENTS:
        found = free_agents(number.team_id, tried, 1)
        if found:
            agent, line = found[0]
            call.dialed = [*tried, agent.pk]
            call.save(update_fields=["dialed", "updated_at"])
            return [_dial(number, call, provider, agent.pk, line)]
    call.voicemail = True
    call.save(update_fields=["voicemail", "updated_at"])
    return _voicemail(number, provider, closed=False)


def answer(number: PhoneNumber, call: Call, provider: str, *, new: bool) -> Plan:
    """The answer to a call's first request. A replay (``new`` False) gets the same answer and
    changes nothing. Run in the transaction that created the call."""
    with translation.override(_language(number)):
        if not new:
            return _plan(provider, [_greeting(number), *_current(number, call, provider)])
        if not is_open(number):
            call.voicemail = True
            call.save(update_fields=["voicemail", "updated_at"])
            return _plan(provider, _voicemail(number, provider, closed=True))
        return _plan(provider, [_greeting(number), *_next(number, call, provider)])


def _current(number: PhoneNumber, call: Call, provider: str) -> list[Step]:
    if call.voicemail or not call.dialed:
        return _voicemail(number, provider, closed=not is_open(number))
    line = AgentLine.objects.filter(agent_id=call.dialed[-1]).first()
    if line is None:
        return _voicemail(number, provider, closed=False)
    return [_dial(number, call, provider, int(call.dialed[-1]), line)]


def after_dial(number: PhoneNumber, call: Call, provider: str, *, agent_id: int | None, answered: bool) -> Plan:
    """The ringing of ``agent_id`` ended: the call was theirs (hang up when it is over), or the
    next agent is rung, or the voicemail. A replay of an older step answers with the current one.
    Locks the call's row."""
    with translation.override(_language(number)):
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.answered_by_id is not None or answered:
            return _plan(provider, [Hangup()])
        if not locked.dialed or agent_id != int(locked.dialed[-1]) or locked.voicemail:
            return _plan(provider, _current(number, locked, provider))
        return _plan(provider, _next(number, locked, provider))


def after_recording() -> Plan:
    return Plan((Hangup(),))
