"""A visitor socket's view of the session's log: every message once, in sequence order.

Messages reach a socket through the channel layer from several places: the visitor's own
(echoed from the socket that sent it, or another tab), agents' replies from whichever server
process stored them. Each is pushed after its commit, and two pushes from two processes (or two
connections to Redis) can overtake each other: seq 8 may arrive before seq 7. The widget would
see the gap, ask to resume and fetch again, a second round trip exactly when the chat is busy.
So the socket holds a message that arrives early until the ones before it come, and if they do
not come soon (a push lost, or sent before the socket joined), reads them from the log: every
message before a pushed one has committed before it (the session's row lock numbers them).
"""

from __future__ import annotations

from typing import Any

Frame = dict[str, Any]

# How long an early message waits for the pushes before it before the log is read.
GAP_WAIT_SECONDS = 0.05


class InOrder:
    """Which message frames to send now. Not thread-safe; one per socket, used from its loop."""

    def __init__(self, last_seq: int) -> None:
        # Pushes of messages up to ``last_seq`` (the log when the socket opened) went out before
        # the socket joined its group: the client asks for those with ``resume``.
        self.live_from = last_seq
        self.sent = last_seq
        self.pending: dict[int, Frame] = {}

    def arrived(self, frame: Frame) -> list[Frame]:
        """A pushed message: the frames to send now, in order (none while one before it is missing)."""
        seq = int(frame["seq"])
        if seq <= self.sent:
            return []  # already sent, from the log
        self.pending[seq] = frame
        return self._release()

    def filled(self, rows: list[Frame]) -> list[Frame]:
        """The log read after ``sent`` because of a gap: the frames to send, in order."""
        for row in rows:
            if int(row["seq"]) > self.sent:
                self.pending.setdefault(int(row["seq"]), row)
        # Everything up to the newest row read is in the log: nothing older can still come.
        newest = max((int(row["seq"]) for row in rows), default=self.sent)
        released = []
        for seq in sorted(s for s in self.pending if s <= newest):
            released.append(self.pending.pop(seq))
            self.sent = seq
        return released + self._release()

    def resumed(self, rows: list[Frame]) -> list[Frame]:
        """The log after what the client has (``resume``): the frames to send, without those sent live."""
        out = [row for row in rows if not self.live_from < int(row["seq"]) <= self.sent]
        if rows:
            self.sent = max(self.sent, int(rows[-1]["seq"]))
        self.pending = {seq: frame for seq, frame in self.pending.items() if seq > self.sent}
        return out + self._release()

    def _release(self) -> list[Frame]:
        released = []
        while self.sent + 1 in self.pending:
            self.sent += 1
            released.append(self.pending.pop(self.sent))
        return released
