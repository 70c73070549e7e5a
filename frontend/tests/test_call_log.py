"""An agent logs a call made or taken on a desk phone: it appears on the ticket like a provider's call."""

from __future__ import annotations

from typing import Any

import pytest

from hub.models import MessageKind, Role, Team
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_a_logged_call_shows_on_the_timeline_with_its_length_note_and_who_took_it(
    client_for: Any, agent: Any, team: Team
) -> None:
    ticket = TicketFactory.create(team=team)
    client = client_for(agent)

    answer = client.post(
        f"/agent/t/{ticket.pk}/call-log/", {"direction": "out", "duration": "7:30", "note": "Rückruf <wegen> Lieferung"}
    )

    assert answer.status_code == 200
    assert "Der Anruf steht im Ticket." in answer.content.decode()
    call = ticket.messages.get(kind=MessageKind.CALL)
    assert (call.direction, call.metadata["duration"], call.author_agent) == ("out", 450, agent)
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert "Anruf erfassen" in page  # the form under the composer
    assert "Ausgehender Anruf" in page and "450" in page
    assert f"Angenommen von {agent.name}" in page
    assert "Rückruf &lt;wegen&gt; Lieferung" in page


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"duration": "5"}, "Sagen Sie, wer angerufen hat."),
        ({"direction": "in", "duration": "fünf"}, "Minuten (7) oder Minuten:Sekunden (7:30)"),
        ({"direction": "in", "duration": "13:00:00"}, "höchstens 12 Stunden"),
        ({"direction": "in", "duration": "7:75"}, "Minuten (7) oder Minuten:Sekunden (7:30)"),
    ],
)
def test_a_call_log_with_a_wrong_field_says_what_to_fix_and_stores_nothing(
    client_for: Any, agent: Any, team: Team, values: dict[str, str], problem: str
) -> None:
    ticket = TicketFactory.create(team=team)

    answer = client_for(agent).post(f"/agent/t/{ticket.pk}/call-log/", values)

    assert answer.status_code == 400
    assert problem in answer.content.decode()
    assert not ticket.messages.exists()


def test_a_viewer_cannot_log_a_call_and_nobody_can_on_a_ticket_they_cannot_see(
    client_for: Any, agent: Any, team: Team, other_team: Team
) -> None:
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    ours = TicketFactory.create(team=team)
    theirs = TicketFactory.create(team=other_team)
    body = {"direction": "in", "duration": "3"}

    assert client_for(viewer).post(f"/agent/t/{ours.pk}/call-log/", body).status_code == 403
    assert client_for(agent).post(f"/agent/t/{theirs.pk}/call-log/", body).status_code == 404
    assert not ours.messages.exists() and not theirs.messages.exists()
