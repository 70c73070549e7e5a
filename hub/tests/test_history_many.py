"""A customer with many tickets: the history still lists their newest open and closed ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.models import TicketStatus
from hub.pipeline.enrich import OPEN_LIMIT, RECENT_LIMIT, history_summary
from hub.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_a_customer_with_dozens_of_tickets_sees_the_newest_open_and_closed_ones() -> None:
    customer = CustomerFactory.create()
    start = timezone.now() - timedelta(days=100)
    made = []
    for n in range(40):
        status = TicketStatus.OPEN if n % 3 == 0 else TicketStatus.CLOSED
        made.append(
            TicketFactory.create(
                customer=customer, subject=f"Frage {n}", status=status, last_activity_at=start + timedelta(days=n)
            )
        )
    current = made[-1]

    summary = history_summary(customer, current)

    open_subjects = [t.subject for t in reversed(made[:-1]) if t.status == TicketStatus.OPEN][:OPEN_LIMIT]
    closed_subjects = [t.subject for t in reversed(made[:-1]) if t.status == TicketStatus.CLOSED][:RECENT_LIMIT]
    assert [t["subject"] for t in summary["open_tickets"]] == open_subjects
    assert [t["subject"] for t in summary["recent_tickets"]] == closed_subjects
    assert summary["lifetime_tickets"] == 40
