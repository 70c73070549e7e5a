"""Settings → Audit log: every change with who, when, before and after; filterable, read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from frontend.tests.settings_helpers import agent, client_for
from hub import audit
from hub.actions.customers import do_merge_customers, do_undo_merge
from hub.models import AuditEntry, Role
from hub.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_the_log_shows_who_did_what_from_where_with_before_and_after() -> None:
    admin = agent(Role.ADMIN, user__first_name="Ada", user__last_name="Admin")
    client = client_for(admin)
    client.post("/agent/settings/account/", {"name": "Muster", "language": "de", "time_zone": "Europe/Vienna"})

    html = client.get("/agent/settings/audit-log/").content.decode()

    assert "Ada Admin" in html and "127.0.0.1" in html
    assert "Konto geändert" in html
    assert "<del>Europe/Berlin</del> → <ins>Europe/Vienna</ins>" in html
    assert AuditEntry.objects.get().ip == "127.0.0.1"


def test_merging_customers_and_undoing_it_are_logged(team) -> None:
    lead = agent(Role.LEAD)
    source, target = CustomerFactory.create(display_name="Max A"), CustomerFactory.create(display_name="Max B")
    TicketFactory.create(customer=source, team=team)

    merge = do_merge_customers(source, target, actor=lead)
    do_undo_merge(merge, actor=lead)

    merged, undone = AuditEntry.objects.order_by("pk")
    assert (merged.action, merged.actor, merged.changes["tickets"]) == ("customer.merged", lead, 1)
    assert undone.action == "customer.merge_undone"


def test_filters_by_who_action_object_and_date() -> None:
    admin, other = agent(Role.ADMIN), agent(Role.ADMIN)
    audit.record(admin, "team.created", label="Vertrieb")
    audit.record(other, "skill.created", label="Französisch")
    old = audit.record(admin, "team.deleted", label="Altes Team")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))
    client = client_for(admin)
    since = (timezone.localdate() - timedelta(days=1)).isoformat()

    by_actor = client.get("/agent/settings/audit-log/", {"actor": other.pk}).content.decode()
    by_action = client.get("/agent/settings/audit-log/", {"action": "team.created"}).content.decode()
    by_object = client.get("/agent/settings/audit-log/", {"q": "franz"}).content.decode()
    by_date = client.get("/agent/settings/audit-log/", {"since": since}).content.decode()

    assert "Französisch" in by_actor and "Vertrieb" not in by_actor
    assert "Vertrieb" in by_action and "Französisch" not in by_action
    assert "Französisch" in by_object and "Vertrieb" not in by_object
    assert "Altes Team" not in by_date and "Vertrieb" in by_date


def test_the_log_pages_by_time_without_counting() -> None:
    admin = agent(Role.ADMIN)
    for n in range(55):
        audit.record(admin, "skill.created", label=f"Fähigkeit {n:02d}")
    client = client_for(admin)

    first = client.get("/agent/settings/audit-log/").content.decode()
    older = AuditEntry.objects.order_by("pk")[4].pk + 1

    assert "Fähigkeit 54" in first and "Fähigkeit 04" not in first
    assert f"before={older}" in first
    assert "Fähigkeit 04" in client.get("/agent/settings/audit-log/", {"before": older}).content.decode()


@pytest.mark.parametrize("role", [Role.LEAD, Role.AGENT, Role.VIEWER])
def test_only_admins_read_the_log(role) -> None:
    assert client_for(agent(role)).get("/agent/settings/audit-log/").status_code == 403


def test_the_log_cannot_be_changed_through_the_screen() -> None:
    admin = agent(Role.ADMIN)
    audit.record(admin, "team.created", label="Vertrieb")

    assert client_for(admin).post("/agent/settings/audit-log/", {"action": "x"}).status_code == 405
    assert AuditEntry.objects.count() == 1


def test_a_moment_in_an_entry_is_shown_in_the_readers_zone_and_language() -> None:
    client = client_for(agent(Role.ADMIN))
    failing = datetime(2026, 12, 3, 8, 5, tzinfo=UTC)
    audit.record(None, "webhook.paused_automatically", label="ERP",
                 changes={"active": [True, False], "failing_since": failing.isoformat()})  # fmt: skip

    html = client.get("/agent/settings/audit-log/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Webhook automatisch pausiert" in html
    assert '<span class="muted">fehlerhaft seit:</span> 03.12.2026 09:05' in html  # Berlin, not UTC's ISO


def test_every_action_the_hub_records_is_named_in_the_readers_language() -> None:
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    recorded: set[str] = set()
    for source in [*root.glob("hub/**/*.py"), *root.glob("channels_*/**/*.py"), *root.glob("frontend/**/*.py")]:
        if "tests" not in source.parts and "migrations" not in source.parts:
            recorded |= set(re.findall(r'audit\.record\(\s*[\w.]+,\s*"([a-z_]+\.[a-z_]+)"', source.read_text()))

    unnamed = sorted(action for action in recorded if audit.label_of(action) == action)

    assert len(recorded) > 40 and unnamed == []


def test_a_change_to_a_customer_and_a_rule_reads_in_german_with_its_fields_named() -> None:
    admin = agent(Role.ADMIN)
    customer = CustomerFactory.create(display_name="Alt")
    audit.record(admin, "customer.updated", target=customer, changes={"display_name": ["Alt", "Neu"]})
    audit.record(admin, "widget.updated", label="Shop", changes={"greeting_de": ["Hallo", "Moin"]})

    html = client_for(admin).get("/agent/settings/audit-log/", headers={"accept-language": "de"}).content.decode()

    assert "<td>Kunde geändert</td>" in html and "<td>customer.updated</td>" not in html
    assert "Anzeigename" in html and "Begrüßung (Deutsch)" in html
