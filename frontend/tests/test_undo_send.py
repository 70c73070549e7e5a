"""The email undo window (UX.md section 4): an admin sets its seconds in Settings → Account, and
the workspace gives them to the composer, which holds an email reply that long
(frontend/ts/undosend.ts; its browser test is in tests/browser/test_composer.py)."""

from __future__ import annotations

import pytest

from hub.models import Account, Agent, AuditEntry, Team
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

FORM = {"name": "Muster GmbH", "language": "de", "time_zone": "Europe/Berlin"}


def test_an_admin_sets_the_undo_seconds_and_the_save_says_what_changed(admin_agent: Agent, client_for) -> None:
    client = client_for(admin_agent)
    form = client.get("/agent/settings/account/").content.decode()

    saved = client.post("/agent/settings/account/", {**FORM, "undo_send_seconds": "12"}, follow=True).content.decode()
    refused = client.post("/agent/settings/account/", {**FORM, "undo_send_seconds": "31"}).content.decode()

    assert "Rückgängig-Frist für E-Mail-Antworten (Sekunden)" in form
    assert 'name="undo_send_seconds" value="5"' in form
    assert "Rückgängig-Frist für E-Mail-Antworten (Sekunden): 5 → 12" in saved
    assert "kleiner oder gleich 30" in refused
    assert Account.current().undo_send_seconds == 12
    entry = AuditEntry.objects.filter(action="account.updated").latest("pk")
    assert entry.changes["undo_send_seconds"] == [5, 12]


def test_the_workspace_gives_the_composer_the_window_and_the_replys_channel(
    agent: Agent, team: Team, client_for
) -> None:
    Account.objects.update_or_create(pk=1, defaults={"undo_send_seconds": 8})
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="email")

    page = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    assert 'data-undo-send="8"' in page
    assert 'data-undo-left="Wird in {n} s gesendet"' in page
    assert 'data-undo-button="Rückgängig"' in page
