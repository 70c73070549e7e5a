"""Mail keeps coming while the worker is killed, Redis restarts and PostgreSQL restarts.

Conversations of a parent mail and replies (In-Reply-To, References) come in by the webhook and
by SMTP, each reply after its parent was accepted, as people write them, except in a few whose
reply overtook its parent on the way (handed over first). During the feed the
worker is killed with SIGKILL (and started again, as a supervisor would), Redis is restarted
(without persistence: its queue and flags are lost) and PostgreSQL is restarted. Nothing else
is touched. In the end every mail is stored exactly once, each conversation is one ticket of its
own, and no inbound event is left waiting.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from tests.fault.feed import hand_over, mail, stored
from tests.fault.services import Hub, wait_until

pytestmark = pytest.mark.fault

CONVERSATIONS = 36
FEED_SECONDS = 30.0


@dataclass
class Mail:
    conversation: int
    message_id: str
    sender: str
    raw: bytes
    via: str
    at: float  # seconds into the feed
    parent: Mail | None = None
    accepted: threading.Event = field(default_factory=threading.Event)


def corpus(seed: int) -> list[Mail]:
    rng = random.Random(seed)
    mails: list[Mail] = []
    for n in range(CONVERSATIONS):
        sender = f"kunde{n}@chaos.example"
        start = rng.uniform(0, FEED_SECONDS * 0.7)
        parent_id = f"<c{n}-0.{seed}@chaos.example>"
        parent = Mail(
            n,
            parent_id,
            sender,
            mail(sender, f"Anliegen {n}", parent_id, text=f"Erste Nachricht zu Anliegen {n}"),
            rng.choice(["webhook", "smtp"]),
            start,
        )
        mails.append(parent)
        if n % 6 == 5:  # the reply overtakes its parent: the parent comes after it
            reply_id = f"<c{n}-1.{seed}@chaos.example>"
            text = "Nachtrag, vor der Anfrage da"
            raw = mail(sender, f"Re: Anliegen {n}", reply_id, replies_to=parent_id, text=text)
            reply = Mail(n, reply_id, sender, raw, rng.choice(["webhook", "smtp"]), start)
            parent.at, parent.parent = start + rng.uniform(0.5, 3.0), reply
            mails.append(reply)
            continue
        previous = parent
        for r in range(1, rng.choice([2, 3])):
            reply_id = f"<c{n}-{r}.{seed}@chaos.example>"
            reply = Mail(
                n,
                reply_id,
                sender,
                mail(sender, f"Re: Anliegen {n}", reply_id, replies_to=previous.message_id, text=f"Nachtrag {r}"),
                rng.choice(["webhook", "smtp"]),
                previous.at + rng.uniform(0.5, FEED_SECONDS * 0.3),
                parent=previous,
            )
            mails.append(reply)
            previous = reply
    return sorted(mails, key=lambda m: m.at)


def feed(hub: Hub, mails: list[Mail], started: float) -> None:
    def one(item: Mail) -> None:
        if item.parent is not None:
            assert item.parent.accepted.wait(120), f"{item.parent.message_id} was never accepted"
        time.sleep(max(0.0, started + item.at - time.monotonic()))
        hand_over(hub, item.raw, item.sender, item.via, timeout=120)
        item.accepted.set()

    with ThreadPoolExecutor(max_workers=6) as pool:
        for future in [pool.submit(one, item) for item in mails]:
            future.result()


def test_every_mail_is_stored_once_in_its_conversation_through_worker_kill_redis_and_postgresql_restarts(
    hub: Hub,
) -> None:
    mails = corpus(seed=int(time.time()))
    started = time.monotonic()
    feeder = threading.Thread(target=feed, args=(hub, mails, started))
    feeder.start()
    try:
        time.sleep(FEED_SECONDS * 0.2)
        hub.kill_worker()
        time.sleep(1.0)
        hub.start_worker()  # the supervisor's part, and the only process started again by hand
        time.sleep(FEED_SECONDS * 0.2)
        hub.restart_redis()
        time.sleep(FEED_SECONDS * 0.2)
        hub.postgres.restart()
    finally:
        feeder.join(timeout=240)
    assert not feeder.is_alive(), "the feed did not finish"
    assert all(item.accepted.is_set() for item in mails)

    ids = [item.message_id for item in mails]

    def settled() -> bool:
        waiting = hub.query("SELECT count(*) FROM hub_inboundevent WHERE state <> 'processed'")[0][0]
        return waiting == 0 and len(stored(hub, ids)) == len(ids)

    try:
        wait_until(settled, "every mail processed", 90, every=0.5)
    except TimeoutError as error:
        left = hub.query("SELECT id, state, left(error, 300) FROM hub_inboundevent WHERE state <> 'processed'")
        progress = f"{len(stored(hub, ids))}/{len(ids)} stored, waiting {left}"
        raise AssertionError(f"{error}: {progress}\n{hub.describe()}") from None

    found = stored(hub, ids)
    doubled = {mid: tickets for mid, tickets in found.items() if len(tickets) != 1}
    assert not doubled, f"stored more than once: {doubled}"
    ticket_of = {mid: tickets[0] for mid, tickets in found.items()}
    by_conversation: dict[int, set[int]] = {}
    for item in mails:
        by_conversation.setdefault(item.conversation, set()).add(ticket_of[item.message_id])
    split = {n: tickets for n, tickets in by_conversation.items() if len(tickets) != 1}
    assert not split, f"conversations split over tickets: {split}"
    tickets = [next(iter(t)) for t in by_conversation.values()]
    assert len(set(tickets)) == CONVERSATIONS, "two conversations share a ticket"
    # The hurt was real: the database cut connections that were in use.
    assert "terminating connection due to administrator command" in hub.postgres.tail(2000)
