"""Answers remembered for one read-only request: ``with memo.scope(): …`` around a page's context.

A ticket page asks the same questions of the same ticket from several places (where a reply
goes, who it reaches, what the composer starts with, the signature, the channel chooser), and
each adapter answers from the database. Inside a scope the first answer is kept and reused;
outside one (actions, tasks, anything that writes) nothing is remembered, so no answer can be
stale after a change. The scope is a context variable: each request (thread or task) has its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_answers: ContextVar[dict[Hashable, Any] | None] = ContextVar("hub_memo", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Remember answers until the block ends (nested scopes share the outer one's answers)."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or the answer it gave under ``key`` earlier in this scope."""
    answers = _answers.get()
    if answers is None:
        return compute()
    if key in answers:
        return answers[key]
    answer = answers[key] = compute()
    return answer


def active() -> bool:
    """Whether answers are remembered here: callers may then read a small table whole once
    instead of one row at a time."""
    return _answers.get() is not None


def peek(key: Hashable) -> Any:
    """The answer remembered under ``key`` in this scope, or None (nothing is computed)."""
    answers = _answers.get()
    return None if answers is None else answers.get(key)


def remember(key: Hashable, answer: object) -> None:
    """Give the scope an answer the page already holds (the ticket it has just read)."""
    answers = _answers.get()
    if answers is not None:
        answers[key] = answer
