"""The voice webhook sits on the caller's line: what it costs is held here, in queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_phone.models import PhoneNumber
from channels_phone.tests.conftest import Twilio, call_params, sid
from hub.models import Agent, Team

# Not transactional: the work queued after commit (the pipeline) is not the webhook's own.
pytestmark = pytest.mark.django_db


def test_a_new_call_is_answered_in_ten_statements_whatever_the_team_size(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    for n in range(5):
        online_agent(team, phone=f"+493022222{n:02d}")
    twilio.post("/phone/twilio/voice/", call_params(sid("CA", 70)))  # our number is kept from here on

    with CaptureQueriesContext(connection) as queries:
        response = twilio.post("/phone/twilio/voice/", call_params(sid("CA", 71)))

    assert response.status_code == 200
    # Transaction and savepoints included: the call, the free agents, the dial noted, the receipt.
    assert len(queries) <= 10, "\n".join(q["sql"][:120] for q in queries.captured_queries)
