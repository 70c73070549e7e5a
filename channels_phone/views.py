"""The providers' webhooks: ``/phone/<provider>/voice/``, ``dial/``, ``status/``, ``recording/``,
``sms/`` and ``sms-status/``.

Each one finds the number of ours the request is about (the number called or texted; for a
callback, the number of the call or text we hold) and checks the provider's signature with
that number's credentials on the public URL. Unsigned, wrongly signed, or about no number of
ours: 403, nothing stored, a log line saying why. Every webhook is idempotent on the provider's
ids (CallSid, RecordingSid, MessageSid), so a provider's retry changes nothing. CSRF does not
apply: no cookie is involved, the signature is the credential.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_phone import calls, dialplan, inbound, numbers, providers, texts
from channels_phone.models import Call, InboundMms, PhoneNumber
from channels_phone.providers.base import BadPayload, CallStarted, Plan, Provider, TranscriptReady
from channels_phone.webhooks import candidate_urls
from hub.models import Agent

log = logging.getLogger(__name__)

Handler = Callable[[HttpRequest, Provider, dict[str, str]], HttpResponse]


class Refused(Exception):
    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.status = status


def webhook(kind: str) -> Callable[[Handler], Callable[[HttpRequest, str], HttpResponse]]:
    """A provider's webhook: the provider from the URL, refusals answered and logged."""

    def wrap(handler: Handler) -> Callable[[HttpRequest, str], HttpResponse]:
        @csrf_exempt
        @require_POST
        def view(request: HttpRequest, provider: str) -> HttpResponse:
            if provider not in providers.WEBHOOK_PROVIDERS:
                raise Http404("no such provider")
            found = providers.get(provider)
            form = {key: request.POST.get(key, "") for key in request.POST}
            try:
                return handler(request, found, form)
            except Refused as exc:
                log.warning("phone webhook %s/%s refused (%s): %s", provider, kind, exc.status, exc)
                return HttpResponse(str(exc) if exc.status == 400 else "", status=exc.status, content_type="text/plain")
            except BadPayload as exc:
                log.warning("phone webhook %s/%s refused (400): %s", provider, kind, exc)
                return HttpResponse(str(exc), status=400, content_type="text/plain")

        view.__name__ = f"{kind}_webhook"
        return view

    return wrap


def _check(request: HttpRequest, provider: Provider, number: PhoneNumber | None, what: str) -> PhoneNumber:
    if number is None:
        raise Refused(f"{what} names no number of ours")
    reason = provider.verify(request, number, candidate_urls(request))
    if reason:
        raise Refused(f"{number.number}: {reason}")
    return number


def _of_call(request: HttpRequest, provider: Provider, form: dict[str, str]) -> tuple[PhoneNumber, Call | None]:
    """The number a call callback is about: the stored call's, else the one the request names."""
    call = calls.find(provider.key, provider.call_sid(form))
    number = call.number if call is not None else numbers.ours(provider.named_number("call", form), provider.key)
    return _check(request, provider, number, "the call"), call


def _answer(provider: Provider, plan: Plan | None = None) -> HttpResponse:
    body, content_type = provider.render(plan) if plan is not None else provider.empty_answer()
    return HttpResponse(body, content_type=content_type)


@webhook("voice")
def voice(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """A call comes in: its record and receipt, and what the caller hears (greeting, agents, voicemail)."""
    number = numbers.ours(provider.named_number("voice", form), provider.key)
    _check(request, provider, number, "the call")
    assert number is not None
    started = provider.call_started(form)
    with transaction.atomic():
        call, created = calls.start(number, provider.key, started)
        plan = dialplan.answer(number, call, provider.key, new=created)
        if created:
            inbound.accept_call(number, call)
    return _answer(provider, plan)


@webhook("dial")
def dial(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """The ringing of an agent's phone ended (or the voicemail was recorded): what comes next."""
    number, call = _of_call(request, provider, form)
    if request.GET.get("recorded"):
        return _answer(provider, dialplan.after_recording())
    if call is None:
        raise Refused("the dial result names no call of ours")
    ended = provider.dial_ended(form)
    try:
        agent_id = int(request.GET.get("agent", ""))
    except ValueError:
        agent_id = None
    with transaction.atomic():
        if ended.answered:
            calls.record_answered(call.pk, Agent.objects.filter(pk=agent_id).first() if agent_id else None)
        plan = dialplan.after_dial(number, call, provider.key, agent_id=agent_id, answered=ended.answered)
    return _answer(provider, plan)


@webhook("status")
def status(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """Call progress, in any order and repeated: the call record moves only forward."""
    number, call = _of_call(request, provider, form)
    progress = provider.call_progress(form)
    with transaction.atomic():
        if call is None:
            # A call whose start we never saw (its voice request failed): still a call to show.
            direction = "out" if form.get("Direction", form.get("direction", "")).startswith("out") else "in"
            started = CallStarted(progress.call_sid, progress.from_number, progress.to_number, direction)
            call, created = calls.start(number, provider.key, started)
            if created:
                inbound.accept_call(number, call)
        calls.record_progress(call.pk, progress)
    return _answer(provider)


@webhook("recording")
def recording(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """A recording (fetched by a task onto the call's message) or its transcript is ready."""
    _number, call = _of_call(request, provider, form)
    if call is None:
        raise Refused("the recording names no call of ours")
    ready = provider.recording(form)
    if isinstance(ready, TranscriptReady):
        if not ready.failed:
            calls.record_transcript(call, ready.recording_sid, ready.transcription_sid, ready.text)
    else:
        calls.record_recording(call, ready)
    return _answer(provider)


@webhook("sms")
def sms(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """A text comes in: received now, or once its MMS media are fetched."""
    number = numbers.ours(provider.named_number("sms", form), provider.key)
    _check(request, provider, number, "the text")
    assert number is not None
    text = provider.text_received(form)
    if not number.sms:
        log.warning("text %s to %s ignored: SMS is switched off for the number", text.message_sid, number.number)
        return _answer(provider)
    if not text.media:
        inbound.accept_text(number, provider.key, text)
        return _answer(provider)
    with transaction.atomic():
        mms, created = InboundMms.objects.get_or_create(
            provider=provider.key,
            message_sid=text.message_sid,
            defaults={"number": number, "payload": texts.as_payload(text)},
        )
        if created:
            texts.fetch_after_commit(mms.pk)
    return _answer(provider)


@webhook("sms-status")
def sms_status(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """A delivery report on one of our texts; the hub's message shows it (never going back)."""
    sent = texts.outbound_for(provider, form, request.GET.get("message", ""))
    _check(request, provider, sent.number if sent is not None else None, "the delivery report")
    assert sent is not None
    report = provider.text_status(form)
    if sent.external_id and report.message_sid != sent.external_id:
        raise Refused(f"the report is about {report.message_sid}, the text was sent as {sent.external_id}")
    texts.record_report(sent, provider.key, report)
    return _answer(provider)
