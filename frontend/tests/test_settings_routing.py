"""Settings → Routing rules as an admin uses it: build a rule in the form, try it, save it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from hub.models import Agent, BusinessCalendar, RoutingRule, Team, TeamRouting, Ticket, TicketEvent
from hub.pipeline import receive
from hub.tests.factories import TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/agent/settings/routing/"


def form(**overrides: Any) -> dict[str, Any]:
    """The builder's fields for "subject contains Rechnung → team Billing, priority high"."""
    data = {
        "name": "Rechnungen",
        "enabled": "on",
        "match": "all",
        "triggers": ["ticket_created"],
        "timer_kind": "",
        "timer_amount": "",
        "conditions": "1",
        "cond-0-field": "subject",
        "cond-0-op": "contains",
        "cond-0-value": "Rechnung",
        "actions": "2",
        "act-0-type": "set_team",
        "act-0-team": "billing",
        "act-1-type": "set_priority",
        "act-1-value": "high",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(client_for: Any, admin_agent: Agent) -> Client:
    admin_agent.language = "en"
    admin_agent.save(update_fields=["language"])
    client: Client = client_for(admin_agent)
    return client


def test_an_admin_builds_a_rule_tries_it_saves_it_and_the_next_mail_is_routed_by_it(
    admin: Client, other_team: Team, fake_channel: FakeChannel
) -> None:
    invoice = TicketFactory.create(subject="Rechnung 12 fehlt")
    TicketFactory.create(subject="Passwort vergessen")

    page = admin.get(f"{URL}new/").content.decode()
    assert 'name="cond-0-field"' not in page and 'name="add_condition"' in page  # no JSON box: rows
    tried = admin.post(f"{URL}new/", {**form(), "dry_run": ""})
    assert tried.status_code == 200
    body = tried.content.decode()
    assert "Dry run: nothing was changed" in body
    assert f"#{invoice.pk}" in body and "Team: Billing; Priority: High" in body
    assert not RoutingRule.objects.exists()
    assert Ticket.objects.get(pk=invoice.pk).team is None

    saved = admin.post(f"{URL}new/", {**form(), "save": ""})
    assert saved.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.conditions == [{"field": "subject", "op": "contains", "value": "Rechnung"}]
    assert rule.actions == [{"type": "set_team", "value": "billing"}, {"type": "set_priority", "value": 3}]

    event, _ = receive("fake", "s-1", payload(subject="Rechnung 4711"))
    event.refresh_from_db()
    assert event.ticket_id is not None
    ticket = Ticket.objects.get(pk=event.ticket_id)
    assert (ticket.team, ticket.priority) == (other_team, 3)
    assert TicketEvent.objects.filter(ticket=ticket, data__rule="rule «Rechnungen»: team Billing; priority high")


def test_a_wrong_condition_is_shown_on_its_row_and_nothing_is_saved(admin: Client, other_team: Team) -> None:
    answer = admin.post(f"{URL}new/", {**form(**{"cond-0-op": "matches", "cond-0-value": "(kaputt"}), "save": ""})

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "not a valid regular expression: a ( without its ), at character 8" in page
    assert 'id="cond-0-error"' in page
    assert not RoutingRule.objects.exists()


def test_a_number_takes_a_german_decimal_comma_and_a_wrong_one_is_named_by_its_label(
    admin: Client, other_team: Team
) -> None:
    sentiment = {"cond-0-field": "sentiment", "cond-0-op": "lt"}

    refused = admin.post(f"{URL}new/", {**form(**sentiment, **{"cond-0-value": "sehr"}), "save": ""})
    saved = admin.post(f"{URL}new/", {**form(**sentiment, **{"cond-0-value": "-0,5"}), "save": ""})

    assert "Sentiment (-1 to 1) is compared with a number" in refused.content.decode()
    assert saved.status_code == 302
    assert RoutingRule.objects.get().conditions == [{"field": "sentiment", "op": "lt", "value": -0.5}]


def test_rows_are_added_and_removed_and_a_field_brings_its_own_choices(admin: Client, other_team: Team) -> None:
    added = admin.post(f"{URL}new/", {**form(), "add_condition": ""}).content.decode()
    assert 'name="cond-1-field"' in added

    status = admin.post(f"{URL}new/", form(**{"cond-0-field": "ticket.status", "cond-0-op": "contains"}))
    page = status.content.decode()
    # The field changed: its operators and its values are offered, not typed.
    assert '<option value="equals" selected>' in page
    assert '<option value="pending"' in page

    removed = admin.post(f"{URL}new/", {**form(), "remove_action": "1"}).content.decode()
    assert 'name="act-1-type"' not in removed


def test_rules_are_reordered_switched_off_and_a_team_given_round_robin(
    admin: Client, admin_agent: Agent, team: Team
) -> None:
    first = RoutingRule.objects.create(name="Eins", position=0, triggers=["ticket_created"], actions=[{"type": "stop"}])
    second = RoutingRule.objects.create(
        name="Zwei", position=1, triggers=["ticket_created"], actions=[{"type": "stop"}]
    )

    admin.post(f"{URL}{second.pk}/move/", {"direction": "up"})
    admin.post(f"{URL}{first.pk}/toggle/", {"enabled": "off"})
    admin.post(f"{URL}teams/{team.pk}/", {"strategy": "round_robin"})

    assert list(RoutingRule.objects.order_by("position").values_list("name", "enabled")) == [
        ("Zwei", True),
        ("Eins", False),
    ]
    assert TeamRouting.objects.get(team=team).strategy == "round_robin"
    table = admin.get(URL).content.decode().split('id="rules"', 1)[1]
    assert table.index("Zwei") < table.index("Eins")


def test_deleting_a_rule_asks_once_and_says_what_stays(admin: Client, admin_agent: Agent) -> None:
    admin_agent.language = "de"
    admin_agent.save()
    rule = RoutingRule.objects.create(name="VIP", position=0, triggers=["ticket_created"], actions=[{"type": "stop"}])

    listed = admin.get(URL).content.decode()
    asked = admin.get(f"{URL}{rule.pk}/delete/").content.decode()
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
    deleted = admin.post(f"{URL}{rule.pk}/delete/")

    assert f'href="{URL}{rule.pk}/delete/"' in listed
    assert "Regel VIP löschen?" in asked and "behalten ihr Team" in asked
    assert deleted.status_code == 302 and not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_the_screen_speaks_german(admin: Client, admin_agent: Agent) -> None:
    admin_agent.language = "de"
    admin_agent.save()
    page = admin.post(f"{URL}new/", {**form(), "add_condition": ""}).content.decode()
    assert "Bedingung hinzufügen" in page
    assert ">Betreff</option>" in page
    assert "ist einer von (durch Kommas getrennt)" in page


def test_an_agent_who_is_no_admin_cannot_open_the_rules(client_for: Any, agent: Agent) -> None:
    assert client_for(agent).get(URL).status_code == 403


def test_the_ticket_timeline_says_which_rule_routed_it_and_why(
    admin: Client, other_team: Team, fake_channel: FakeChannel
) -> None:
    from frontend.timeline import describe

    admin.post(f"{URL}new/", {**form(), "save": ""})
    event, _ = receive("fake", "s-2", payload(subject="Rechnung 99"))
    event.refresh_from_db()
    assert event.ticket_id is not None
    routed = TicketEvent.objects.filter(ticket_id=event.ticket_id, kind="routed").order_by("id")

    # The log keeps routing's own words; the timeline says them in the agent's language.
    last = routed.reverse()[0]
    assert last.data["rule"] == "rule «Rechnungen»: team Billing; priority high"
    assert describe(last, {}) == "Routed: rule “Rechnungen”: Team: Billing; Priority: High"
    with translation.override("de"):
        assert describe(last, {}) == "Geleitet: Regel „Rechnungen“: Team: Billing; Priorität: Hoch"


def test_a_teams_calendar_is_chosen_on_its_routing_screen_and_the_strategy_form_keeps_it(
    admin: Client, team: Team
) -> None:
    url = f"{URL}teams/{team.pk}/"
    office = BusinessCalendar.objects.create(name="Büro Berlin", hours={"mon": [["09:00", "17:00"]]})

    saved = admin.post(url, {"strategy": "least_loaded", "calendar": str(office.pk)})
    inline = admin.post(url, {"strategy": "round_robin"})  # the index's inline form: strategy only

    assert saved.status_code == 302 and inline.status_code == 302
    team.refresh_from_db()
    assert team.calendar == office
    assert TeamRouting.objects.get(team=team).strategy == "round_robin"
    page = admin.get(url).content.decode()
    assert f'<option value="{office.pk}" selected>Büro Berlin</option>' in page
    admin.post(url, {"strategy": "round_robin", "calendar": ""})
    team.refresh_from_db()
    assert team.calendar is None
