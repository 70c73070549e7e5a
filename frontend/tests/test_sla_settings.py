"""Settings → SLA policies and Organizations as an admin (and a lead) uses them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for as signed_in
from hub.models import Agent, AuditEntry, BusinessCalendar, Role, SlaPolicy
from hub.tests.factories import OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db
URL = "/agent/settings/sla-policies/"
ORGS = "/agent/settings/organizations/"


def form(**overrides: Any) -> dict[str, Any]:
    """The editor's fields: urgent first response in 30 minutes, resolution in 2 days for all."""
    data = {
        "name": "Standard",
        "enabled": "on",
        "calendar": "",
        "conditions": "0",
        **{f"t-{target}-{p}": "" for target in ("first_response", "next_response", "resolution") for p in "1234"},
        "t-first_response-4": "30m",
        "t-first_response-3": "1h 30m",
        "t-resolution-1": "2d",
        "t-resolution-4": "480",
        "save": "",
    }
    data.update(overrides)
    return data


def english(who: Agent) -> Client:
    who.language = "en"
    who.save(update_fields=["language"])
    return signed_in(who)


@pytest.fixture
def admin() -> Client:
    return english(make_agent(Role.ADMIN))


def policy(name: str, position: int, **fields: Any) -> SlaPolicy:
    return SlaPolicy.objects.create(name=name, position=position, targets={"first_response": {"4": 30}}, **fields)


def test_an_admin_creates_a_policy_from_the_grid_and_the_list_shows_it(admin: Client) -> None:
    calendar = BusinessCalendar.objects.create(name="Bürozeiten", hours={"mon": [["08:00", "17:00"]]})

    page = admin.get(f"{URL}new/").content.decode()
    assert 'name="t-first_response-4"' in page and 'aria-label="First response, Urgent"' in page
    assert "<textarea" not in page  # no JSON box
    assert f'<option value="{calendar.pk}">Business hours: Bürozeiten</option>' in page

    response = admin.post(f"{URL}new/", form(calendar=str(calendar.pk)))

    assert response.status_code == 302 and response["Location"] == URL
    saved = SlaPolicy.objects.get(name="Standard")
    assert saved.calendar == calendar and saved.enabled
    assert saved.targets == {"first_response": {"3": 90, "4": 30}, "resolution": {"1": 2880, "4": 480}}
    listing = admin.get(URL).content.decode()
    assert "Created." in listing
    assert "Standard" in listing and "Bürozeiten" in listing
    assert "First response – / – / 1h 30m / 30m · Resolution 2d / – / – / 8h" in listing
    entry = AuditEntry.objects.get(action="sla_policy.created")
    assert entry.target_label == "Standard"


def test_each_bad_cell_says_what_is_wrong_and_nothing_is_saved(admin: Client) -> None:
    response = admin.post(
        f"{URL}new/", form(**{"t-first_response-4": "soon", "t-resolution-1": "0", "t-next_response-2": "1.5m"})
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'id="t-first_response-4" name="t-first_response-4" value="soon".*?aria-invalid="true"', html, re.S
    )
    assert (
        '<ul class="errorlist" id="t-first_response-4-error"><li>“soon” is not a duration: '
        "write minutes, or e.g. 30m, 4h, 2d.</li></ul>"
    ) in html
    assert (
        '<ul class="errorlist" id="t-resolution-1-error"><li>A target lies between 1 minute and 366 days.</li>' in html
    )
    assert "“1.5m” is not a whole number of minutes." in html
    assert 'id="t-first_response-3-error"' not in html  # the good cells are not marked
    assert 'value="1h 30m"' in html  # and keep what was typed
    assert not SlaPolicy.objects.exists()


def test_a_policy_that_measures_nothing_or_has_no_name_is_refused_with_a_reason(admin: Client) -> None:
    empty = {f"t-{t}-{p}": "" for t in ("first_response", "next_response", "resolution") for p in "1234"}

    nothing = admin.post(f"{URL}new/", form(**empty)).content.decode()
    nameless = admin.post(f"{URL}new/", form(name="  ")).content.decode()

    assert "the policy measures nothing" in nothing
    assert 'id="policy-name-error"' in nameless and "the policy needs a name" in nameless
    policy("Standard", 0)
    taken = admin.post(f"{URL}new/", form(name="standard"))
    assert taken.status_code == 400 and "another SLA policy is called" in taken.content.decode()
    assert SlaPolicy.objects.count() == 1


def test_conditions_use_the_routing_rules_rows_limited_to_what_a_policy_can_test(admin: Client) -> None:
    without_save = {k: v for k, v in form().items() if k != "save"}
    added = admin.post(f"{URL}new/", {**without_save, "add_condition": ""})
    html = added.content.decode()
    assert 'name="cond-0-field"' in html
    fields = re.findall(r'<select id="cond-0-field".*?</select>', html, re.S)[0]
    assert 'value="ticket.priority" selected' in fields and 'value="subject"' not in fields

    response = admin.post(
        f"{URL}new/",
        form(
            name="Key accounts",
            conditions="2",
            **{
                "cond-0-field": "customer.key_account",
                "cond-0-op": "equals",
                "cond-0-value": "true",
                "cond-1-field": "ticket.priority",
                "cond-1-op": "in",
                "cond-1-value": "high, urgent",
            },
        ),
    )

    assert response.status_code == 302
    saved = SlaPolicy.objects.get(name="Key accounts")
    assert saved.conditions[0] == {"field": "customer.key_account", "op": "equals", "value": True}
    assert saved.conditions[1]["field"] == "ticket.priority" and saved.conditions[1]["op"] == "in"
    again = admin.get(f"{URL}{saved.pk}/").content.decode()
    assert re.search(r'id="cond-1-value" name="cond-1-value" value="high, urgent"', again) or "high, urgent" in again


def test_a_condition_the_engine_refuses_is_shown_on_its_row(admin: Client) -> None:
    response = admin.post(
        f"{URL}new/",
        form(conditions="1", **{"cond-0-field": "ticket.priority", "cond-0-op": "equals", "cond-0-value": "sehr"}),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<p class="field-error" id="cond-0-error" role="alert">[^<]*sehr', html)


def test_editing_a_policy_shows_its_values_and_the_save_says_what_changed(admin: Client) -> None:
    saved = SlaPolicy.objects.create(
        name="Standard", targets={"first_response": {"4": 30}, "resolution": {"1": 2880}}, position=0
    )

    page = admin.get(f"{URL}{saved.pk}/").content.decode()
    assert 'name="t-first_response-4" value="30m"' in page and 'name="t-resolution-1" value="2d"' in page

    data = form(**{"t-first_response-4": "45m", "t-first_response-3": "", "t-resolution-4": ""})
    response = admin.post(f"{URL}{saved.pk}/", data, follow=True)

    saved.refresh_from_db()
    assert saved.targets == {"first_response": {"4": 45}, "resolution": {"1": 2880}}
    assert "First response (Urgent): 30m → 45m" in response.content.decode()


def test_policies_are_listed_in_order_and_move_up_and_down(admin: Client) -> None:
    first, second, third = policy("Gold", 0), policy("Silber", 1), policy("Bronze", 2)

    admin.post(f"{URL}{third.pk}/move/", {"direction": "up"})
    html = admin.get(URL).content.decode()

    assert html.index("Gold") < html.index("Bronze") < html.index("Silber")
    admin.post(f"{URL}{first.pk}/move/", {"direction": "down"})
    assert list(SlaPolicy.objects.order_by("position").values_list("name", flat=True)) == ["Bronze", "Gold", "Silber"]
    assert AuditEntry.objects.filter(action="sla_policy.reordered").count() == 2
    assert second.pk


def test_a_policy_is_switched_off_and_on_from_the_list(admin: Client) -> None:
    gold = policy("Gold", 0)

    response = admin.post(f"{URL}{gold.pk}/toggle/", {"enabled": "off"}, follow=True)

    gold.refresh_from_db()
    assert not gold.enabled
    assert "Policy “Gold” is off." in response.content.decode()
    assert 'aria-checked="false"' in response.content.decode()
    admin.post(f"{URL}{gold.pk}/toggle/", {"enabled": "on"})
    gold.refresh_from_db()
    assert gold.enabled


def test_deleting_asks_once_and_says_what_happens_to_tickets_and_contracts(admin: Client, team) -> None:
    gold = policy("Gold", 0)
    TicketFactory.create(team=team, sla_policy=gold)
    OrganizationFactory.create(name="ACME GmbH", sla_policy=gold)

    page = admin.get(f"{URL}{gold.pk}/delete/").content.decode()

    assert "Its 1 open ticket is no longer measured" in page
    assert "1 organization has it as its contracted policy and will have none: ACME GmbH" in page
    assert SlaPolicy.objects.filter(pk=gold.pk).exists()
    response = admin.post(f"{URL}{gold.pk}/delete/", follow=True)
    assert not SlaPolicy.objects.filter(pk=gold.pk).exists()
    assert "Policy “Gold” deleted." in response.content.decode()
    assert AuditEntry.objects.filter(action="sla_policy.deleted", target_label="Gold").exists()


def test_a_lead_may_look_at_policies_but_not_change_them_and_an_agent_may_not_open_them() -> None:
    gold = policy("Gold", 0)
    lead = english(make_agent(Role.LEAD))
    agent = english(make_agent(Role.AGENT))

    page = lead.get(URL).content.decode()
    assert "Gold" in page and "New policy" not in page
    assert lead.post(f"{URL}{gold.pk}/toggle/", {"enabled": "off"}).status_code == 403
    assert lead.post(f"{URL}{gold.pk}/delete/").status_code == 403
    assert lead.post(f"{URL}new/", form()).status_code == 403
    assert agent.get(URL).status_code == 403
    gold.refresh_from_db()
    assert gold.enabled and SlaPolicy.objects.count() == 1


def test_the_policy_screens_speak_german(admin_agent: Agent, client_for) -> None:
    html = client_for(admin_agent).get(f"{URL}new/").content.decode()

    assert "Neue SLA-Richtlinie" in html and "Erste Antwort" in html and "Dringend" in html
    assert "Kalenderzeit: jede Minute zählt" in html


# --- Organizations: the contracted policy -------------------------------------------------------


def test_an_admin_sets_an_organizations_contracted_policy_from_the_list(admin: Client) -> None:
    gold = policy("Gold", 0)
    acme = OrganizationFactory.create(name="ACME GmbH")
    OrganizationFactory.create(name="Beispiel AG")

    listing = admin.get(f"{ORGS}?q=acme").content.decode()
    assert "ACME GmbH" in listing and "Beispiel AG" not in listing
    assert f'<option value="{gold.pk}">Gold</option>' in listing

    response = admin.post(f"{ORGS}{acme.pk}/", {"sla_policy": str(gold.pk), "next": "index"}, follow=True)

    acme.refresh_from_db()
    assert acme.sla_policy == gold
    assert "Saved. Contracted SLA policy: — → Gold" in response.content.decode()
    assert AuditEntry.objects.filter(action="organization.sla_policy", target_label="ACME GmbH").exists()
    admin.post(f"{ORGS}{acme.pk}/", {"sla_policy": ""})
    acme.refresh_from_db()
    assert acme.sla_policy is None


def test_a_lead_may_set_a_contract_and_an_agent_may_not(team) -> None:
    gold = policy("Gold", 0)
    acme = OrganizationFactory.create(name="ACME GmbH")
    lead = signed_in(make_agent(Role.LEAD))
    agent = signed_in(make_agent(Role.AGENT, teams=[team]))

    assert agent.post(f"{ORGS}{acme.pk}/", {"sla_policy": str(gold.pk)}).status_code == 403
    acme.refresh_from_db()
    assert acme.sla_policy is None
    assert lead.post(f"{ORGS}{acme.pk}/", {"sla_policy": str(gold.pk)}).status_code == 302
    acme.refresh_from_db()
    assert acme.sla_policy == gold


def test_a_policy_that_does_not_exist_is_refused(admin: Client) -> None:
    acme = OrganizationFactory.create(name="ACME GmbH")

    response = admin.post(f"{ORGS}{acme.pk}/", {"sla_policy": "999"}, follow=True)

    acme.refresh_from_db()
    assert acme.sla_policy is None
    assert "That SLA policy no longer exists" in response.content.decode()


def test_the_customer_panel_names_the_contract_and_links_admins_and_leads_to_it(
    agent: Agent, team, client_for, admin_agent: Agent
) -> None:
    from hub.tests.factories import CustomerFactory

    gold = policy("Gold", 0)
    acme = OrganizationFactory.create(name="ACME GmbH", sla_policy=gold)
    ticket = TicketFactory.create(team=team, customer=CustomerFactory.create(organization=acme))
    panel = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "customer"}

    as_agent = client_for(agent).get(f"/agent/t/{ticket.pk}/", **panel).content.decode()
    as_admin = client_for(admin_agent).get(f"/agent/t/{ticket.pk}/", **panel).content.decode()

    assert "Gold" in as_agent and f"{ORGS}{acme.pk}/" not in as_agent
    assert f'href="{ORGS}{acme.pk}/"' in as_admin
