"""The channel's record of a call, moved only forward, and the hub's call message kept in step.

Providers send status callbacks in any order and more than once. A call's status moves only
to a later stage (queued → initiated → ringing → in-progress → a final state) and a final
state is never replaced, so a late "ringing" after "completed" changes nothing. Every change
bumps ``Call.version``; ``sync`` puts the call's state on the hub's message (a hub action) and
records the version it showed. The pipeline may store the message after the first reports came
(it works off the webhook's path): the adapter's ``on_stored`` then syncs it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from channels_phone import hours, numbers, popup, providers
from channels_phone.adapter import KEY
from channels_phone.models import (
    FINAL_CALL_STATES,
    AgentLine,
    Call,
    CallState,
    FetchState,
    PhoneNumber,
    Recording,
)
from channels_phone.providers.base import CallProgress, CallStarted, ProviderError, RecordingReady
from hub.actions import do_record_call_report
from hub.adapters import InboundAttachment
from hub.models import Agent, Message, MessageKind

log = logging.getLogger(__name__)

STAGE: dict[str, int] = {
    CallState.QUEUED: 0,
    CallState.INITIATED: 1,
    CallState.RINGING: 2,
    CallState.IN_PROGRESS: 3,
    **{state: 4 for state in FINAL_CALL_STATES},
}
ANSWERED, MISSED, VOICEMAIL = "answered", "missed", "voicemail"

# Sync results.
SYNCED, WAITING = "synced", "waiting"


def start(number: PhoneNumber, provider: str, started: CallStarted) -> tuple[Call, bool]:
    """The call's record, created at its first webhook (a replay finds the same one)."""
    defaults = {
        "number": number,
        "direction": started.direction,
        "from_number": started.from_number[:32],
        "to_number": started.to_number[:32],
    }
    # A new call is the common case (and on the caller's line): the INSERT first, no SELECT.
    try:
        with transaction.atomic():
            return Call.objects.create(provider=provider, call_sid=started.call_sid, **defaults), True
    except IntegrityError:  # a replay, or the same webhook twice at once
        return Call.objects.get(provider=provider, call_sid=started.call_sid), False


def find(provider: str, call_sid: str) -> Call | None:
    if not call_sid:
        return None
    return Call.objects.filter(provider=provider, call_sid=call_sid).select_related("number").first()


def _agent_on(phone: str) -> Agent | None:
    normalized = numbers.e164(phone)
    if not normalized:
        return None
    line = AgentLine.objects.filter(phone=normalized).select_related("agent").first()
    return line.agent if line is not None else None


def bump(call: Call) -> None:
    """Note a change of ``call`` (saved by the caller) and have the hub's message follow it."""
    from channels_phone.tasks import sync_call

    call.version = F("version") + 1
    transaction.on_commit(lambda: sync_call.delay(call.pk))


def record_progress(call_id: int, progress: CallProgress) -> bool:
    """Apply a status callback; whether it changed the call. Locks the call's row."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        fields: list[str] = []
        if STAGE.get(progress.status, -1) > STAGE[call.status] and not call.is_final:
            call.status = progress.status
            fields.append("status")
            if call.is_final:
                call.ended_at = timezone.now()
                fields.append("ended_at")
        if call.is_final and progress.status == call.status and progress.duration is not None and call.duration is None:
            call.duration = progress.duration
            fields.append("duration")
        if progress.answering_number and call.answered_by_id is None:
            agent = _agent_on(progress.answering_number)
            if agent is not None:
                call.answered_by, call.answered_at = agent, timezone.now()
                fields += ["answered_by", "answered_at"]
        if not fields:
            return False
        if "answered_by" in fields or ("status" in fields and call.is_final):
            popup.over(call)
        bump(call)
        call.save(update_fields=[*fields, "version", "updated_at"])
    return True


def record_answered(call_id: int, agent: Agent | None) -> None:
    """An agent's phone was answered: the call is theirs (the first answer stands)."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if call.answered_by_id is not None or agent is None:
            return
        call.answered_by, call.answered_at = agent, timezone.now()
        popup.over(call)
        bump(call)
        call.save(update_fields=["answered_by", "answered_at", "version", "updated_at"])


def record_recording(call: Call, ready: RecordingReady) -> bool:
    """A recording is ready (fetched by ``sync``); whether it is new."""
    state = FetchState.FAILED if ready.failed else FetchState.PENDING
    with transaction.atomic():
        recording, created = Recording.objects.get_or_create(
            call=call,
            recording_sid=ready.recording_sid,
            defaults={"url": ready.url[:500], "duration": ready.duration, "state": state},
        )
        if not created and ready.url and not recording.url and recording.state != FetchState.DONE:
            # Its transcript came first; now we know where the audio is.
            Recording.objects.filter(pk=recording.pk).update(
                url=ready.url[:500], duration=ready.duration, state=state, attempts=0, error=""
            )
            created = True
        if created:
            bump(call)
            call.save(update_fields=["version", "updated_at"])
    return created


def record_transcript(call: Call, recording_sid: str, transcription_sid: str, text: str) -> bool:
    """The transcript of a recording (which may not have been reported yet); whether it is new."""
    with transaction.atomic():
        recording, _ = Recording.objects.get_or_create(call=call, recording_sid=recording_sid)
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if recording.transcription_sid:
            return False
        recording.transcription_sid, recording.transcript = transcription_sid, text
        recording.save(update_fields=["transcription_sid", "transcript"])
        bump(call)
        call.save(update_fields=["version", "updated_at"])
    return True


# -- the hub's message ---------------------------------------------------------------------


def outcome(call: Call, recorded: bool) -> str:
    if call.answered_by_id is not None:
        return ANSWERED
    if not call.is_final or call.direction == "out":
        # A call we placed that the customer did not take is no missed call to call back.
        return str(call.status)
    return VOICEMAIL if recorded else MISSED


def callback_due(number: PhoneNumber, ended: datetime) -> datetime:
    """When a missed caller is to be called back: PHONE_CALLBACK_MINUTES of the number's business time later."""
    return hours.callback_due(number, ended)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _fetch(call: Call, recording: Recording, external_id: str) -> None:
    """Download a recording with the number's credentials onto the call's message."""
    provider = providers.get(call.provider)
    ready = RecordingReady(call.call_sid, recording.recording_sid, recording.url, recording.duration)
    try:
        download = provider.fetch_recording(call.number, ready)
    except ProviderError as exc:
        attempts = recording.attempts + 1
        final = not exc.retryable or attempts >= settings.PHONE_FETCH_MAX_ATTEMPTS
        Recording.objects.filter(pk=recording.pk).update(
            attempts=attempts,
            error=str(exc)[:2000],
            state=FetchState.FAILED if final else FetchState.PENDING,
            next_attempt_at=None if final else timezone.now() + _backoff(attempts),
        )
        log.warning("recording %s of call %s not fetched (%s): %s", recording.recording_sid, call.call_sid,
                    "given up" if final else f"attempt {attempts}", exc)  # fmt: skip
        return
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.state != FetchState.PENDING:
            return
        attachment = InboundAttachment(download.filename, download.content_type, download.content)
        details = {"recording_duration": recording.duration} if recording.duration is not None else {}
        do_record_call_report(channel=KEY, external_id=external_id, details=details, recording=attachment)
        locked.state, locked.attempts, locked.error = FetchState.DONE, locked.attempts + 1, ""
        locked.save(update_fields=["state", "attempts", "error"])


def sync(call_id: int) -> str:
    """Put the call's state, recordings and transcript on the hub's message: SYNCED, or WAITING
    when the pipeline has not stored the message yet (``on_stored`` syncs it then)."""
    call = Call.objects.select_related("number", "answered_by__user").get(pk=call_id)
    version = call.version
    external_id = numbers.external_id(call.provider, call.call_sid)
    if not Message.objects.filter(channel=KEY, external_id=external_id, kind=MessageKind.CALL).exists():
        return WAITING
    now = timezone.now()
    for recording in call.recordings.filter(state=FetchState.PENDING).exclude(next_attempt_at__gt=now):
        _fetch(call, recording, external_id)
    recordings = list(call.recordings.all())
    recorded = any(r.state == FetchState.DONE for r in recordings)
    result = outcome(call, recorded)
    details: dict[str, object] = {
        "status": call.status,
        "outcome": result,
        "duration": call.duration,
        "answered_by": call.answered_by_id,
        "answered_by_name": call.answered_by.name if call.answered_by is not None else "",
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "voicemail_offered": call.voicemail,
    }
    transcripts = [r for r in recordings if r.transcript and not r.transcript_synced]
    due = None
    if result in (MISSED, VOICEMAIL):
        due = callback_due(call.number, call.ended_at or now)
    do_record_call_report(
        channel=KEY,
        external_id=external_id,
        details=details,
        answered_by=call.answered_by,
        transcript="\n\n".join(r.transcript for r in transcripts) if transcripts else None,
        callback_due_at=due,
        callback_reason=result,
    )
    Recording.objects.filter(pk__in=[r.pk for r in transcripts]).update(transcript_synced=True)
    Call.objects.filter(pk=call.pk, version=version).update(synced_version=version)
    return SYNCED
