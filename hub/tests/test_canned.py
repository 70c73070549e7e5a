"""Canned replies in the hub: the safe renderer, who may use which, the search, the language
variant, and the actions that keep them and count their uses."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from hub import canned
from hub.actions.canned import CannedError, do_delete_canned_reply, do_save_canned_reply, do_use_canned_reply
from hub.models import Agent, AuditEntry, CannedReply, CannedScope, Role, Team
from hub.routing import lookup
from hub.tests.factories import AgentFactory, CustomerFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _reply(scope: str = CannedScope.GLOBAL, **values: object) -> CannedReply:
    values.setdefault("title", "Rückerstattung")
    values.setdefault("texts", {"de": "Hallo {{customer.first_name}}", "en": "Hi {{customer.first_name}}"})
    return CannedReply.objects.create(scope=scope, **values)


@pytest.fixture
def ticket(agent: Agent) -> object:
    org = OrganizationFactory.create(name="Müller GmbH")
    customer = CustomerFactory.create(
        display_name="Jana Schmidt", language="de", organization=org, attributes={"plan": "gold"}
    )
    return TicketFactory.create(customer=customer, subject="Paket fehlt", team=agent.teams.first())


# --- The renderer -----------------------------------------------------------------------------


def test_known_placeholders_are_filled_from_the_ticket_its_customer_and_the_agent(ticket, agent) -> None:
    agent.user.first_name, agent.user.last_name = "Anna", "Berg"
    text = (
        "{{customer.first_name}} {{ customer.last_name }} / {{customer.name}} / #{{ticket.number}} "
        "{{ticket.subject}} / {{agent.name}} {{agent.first_name}} / {{organization.name}} / "
        "{{customer.attributes.plan}}"
    )
    rendered = canned.render_for(text, ticket, agent)
    assert rendered.text == (
        f"Jana Schmidt / Jana Schmidt / #{ticket.pk} Paket fehlt / Anna Berg Anna / Müller GmbH / gold"
    )
    assert rendered.unknown == [] and rendered.empty == []


def test_unknown_and_empty_placeholders_stay_visible_and_are_listed(ticket, agent) -> None:
    ticket.customer.organization = None
    rendered = canned.render_for(
        "Hallo {{customer.shoe_size}}, {{organization.name}} {{customer.attributes.missing}} {{unknown}}",
        ticket,
        agent,
    )
    assert rendered.text == (
        "Hallo {{customer.shoe_size}}, {{organization.name}} {{customer.attributes.missing}} {{unknown}}"
    )
    assert rendered.unknown == ["customer.shoe_size", "unknown"]
    assert rendered.empty == ["organization.name", "customer.attributes.missing"]


def test_template_code_stays_inert_text(ticket, agent) -> None:
    text = "{{ ''.__class__ }} {% load static %}{% for x in y %}{{ x }}{% endfor %} {{ customer.first_name|upper }}"
    rendered = canned.render_for(text, ticket, agent)
    assert rendered.text == text
    assert "''.__class__" in rendered.unknown
    assert "customer.first_name|upper" in rendered.unknown


def test_placeholders_inside_customer_data_come_out_as_text(ticket, agent) -> None:
    ticket.customer.display_name = "{{agent.name}} <b>{% debug %}</b>"
    rendered = canned.render_for("Hallo {{customer.name}}!", ticket, agent)
    assert rendered.text == "Hallo {{agent.name}} <b>{% debug %}</b>!"
    assert rendered.unknown == [] and rendered.empty == []


def test_external_lookup_fields_come_from_its_cached_answer_and_are_empty_without_one(ticket, agent) -> None:
    key = lookup._KEY.format(ticket.customer_id)
    cache.delete(key)
    assert canned.render_for("{{external.contract.level}}", ticket, agent).empty == ["external.contract.level"]
    cache.set(key, {"data": {"contract": {"level": "Premium"}, "open_orders": 3}}, 60)
    try:
        rendered = canned.render_for("{{external.contract.level}} ({{external.open_orders}})", ticket, agent)
    finally:
        cache.delete(key)
    assert rendered.text == "Premium (3)"


# --- Scope, search, language ------------------------------------------------------------------


def test_an_agent_uses_their_own_their_teams_and_global_replies_and_nobody_elses(
    agent: Agent, team: Team, other_team: Team
) -> None:
    colleague = AgentFactory.create(teams=[team])
    mine = _reply(CannedScope.PERSONAL, owner=agent, title="Meine")
    _reply(CannedScope.PERSONAL, owner=colleague, title="Fremde")
    ours = _reply(CannedScope.TEAM, team=team, title="Team")
    _reply(CannedScope.TEAM, team=other_team, title="Andere")
    everyone = _reply(CannedScope.GLOBAL, title="Alle")
    assert set(canned.usable_by(agent)) == {mine, ours, everyone}


def test_search_ignores_case_and_umlaut_spelling_and_puts_shortcut_matches_first(agent: Agent) -> None:
    refund = _reply(title="Rückerstattung bestätigt", shortcut="geld")
    money = _reply(title="Zahlung erhalten", shortcut="rueck-info")
    _reply(title="Versand")
    assert canned.search(agent, "rück") == [money, refund]
    assert canned.search(agent, "RUECK") == [money, refund]
    # Typed without the umlaut's dots, it still finds the umlaut (not the written-out "ue").
    assert canned.search(agent, "ruck") == [refund]
    assert canned.search(agent, "BESTÄT") == [refund]
    assert len(canned.search(agent, "")) == 3


def test_the_customers_language_comes_first_then_the_tickets_then_the_agents(ticket, agent) -> None:
    reply = _reply(texts={"de": "Hallo", "en": "Hello"})
    ticket.customer.language = "en-GB"
    assert canned.variant_for(reply, ticket, agent) == ("en", "Hello")
    ticket.customer.language, ticket.language, agent.language = "", "de", "en"
    assert canned.variant_for(reply, ticket, agent) == ("de", "Hallo")
    ticket.language = "fr"
    assert canned.variant_for(reply, ticket, agent) == ("en", "Hello")
    only_german = _reply(texts={"de": "Nur Deutsch", "en": "  "})
    assert canned.variant_for(only_german, ticket, agent) == ("de", "Nur Deutsch")


# --- Actions ----------------------------------------------------------------------------------


def test_an_agent_keeps_personal_replies_unaudited_and_may_not_create_shared_ones(agent: Agent, team: Team) -> None:
    reply, _changes = do_save_canned_reply(
        agent, None, title="Danke", shortcut="Danke", scope="personal", team=None, texts={"de": "Danke!"}
    )
    assert (reply.owner, reply.shortcut) == (agent, "danke")
    assert not AuditEntry.objects.filter(action__startswith="canned_reply").exists()
    with pytest.raises(CannedError) as refused:
        do_save_canned_reply(agent, None, title="X", shortcut="", scope="team", team=team, texts={"de": "x"})
    assert refused.value.field == "scope"


def test_shared_replies_are_audited_and_their_shortcut_is_unique_in_their_scope(admin_agent: Agent, team: Team) -> None:
    reply, _ = do_save_canned_reply(
        admin_agent, None, title="Gruß", shortcut="gruss", scope="team", team=team, texts={"en": "Regards"}
    )
    with pytest.raises(CannedError) as taken:
        do_save_canned_reply(admin_agent, None, title="B", shortcut="gruss", scope="team", team=team, texts={"de": "b"})
    assert taken.value.field == "shortcut"
    # The same shortcut in another scope is another reply's business.
    do_save_canned_reply(admin_agent, None, title="C", shortcut="gruss", scope="global", team=None, texts={"de": "c"})
    do_save_canned_reply(
        admin_agent, reply, title="Gruß", shortcut="gruss", scope="team", team=team, texts={"en": "Best regards"}
    )
    do_delete_canned_reply(admin_agent, reply)
    actions = list(
        AuditEntry.objects.filter(target_type="cannedreply", target_id=str(reply.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["canned_reply.created", "canned_reply.updated", "canned_reply.deleted"]
    assert not CannedReply.objects.filter(pk=reply.pk).exists()


def test_a_reply_needs_a_title_and_a_text(agent: Agent) -> None:
    with pytest.raises(CannedError) as no_title:
        do_save_canned_reply(agent, None, title=" ", shortcut="", scope="personal", team=None, texts={"de": "x"})
    assert no_title.value.field == "title"
    with pytest.raises(CannedError) as no_text:
        do_save_canned_reply(
            agent, None, title="T", shortcut="", scope="personal", team=None, texts={"de": " ", "fr": "x"}
        )
    assert no_text.value.field == "texts"


def test_nobody_changes_or_deletes_another_agents_personal_reply(agent: Agent, admin_agent: Agent) -> None:
    reply = _reply(CannedScope.PERSONAL, owner=agent)
    with pytest.raises(CannedError):
        do_save_canned_reply(admin_agent, reply, title="X", shortcut="", scope="personal", team=None, texts={"de": "x"})
    with pytest.raises(CannedError):
        do_delete_canned_reply(admin_agent, reply)
    lead = AgentFactory.create(role=Role.LEAD)
    with pytest.raises(CannedError):
        do_delete_canned_reply(lead, reply)
    assert CannedReply.objects.filter(pk=reply.pk).exists()


def test_a_use_is_counted_only_for_a_reply_the_agent_may_use(agent: Agent, other_team: Team) -> None:
    usable = _reply()
    foreign = _reply(CannedScope.TEAM, team=other_team)
    assert do_use_canned_reply(agent, usable.pk)
    assert do_use_canned_reply(agent, usable.pk)
    assert not do_use_canned_reply(agent, foreign.pk)
    usable.refresh_from_db()
    foreign.refresh_from_db()
    assert (usable.usage_count, foreign.usage_count) == (2, 0)
