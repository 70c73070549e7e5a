"""Each condition field and operator of a routing rule, and what the schema refuses, in memory."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.utils import translation
from pydantic import ValidationError

from hub.adapters import Interaction, SenderIdentity
from hub.business_time import build
from hub.models import Customer, Organization, Ticket
from hub.routing.engine import Compiled, RuleSet, compile_condition
from hub.routing.facts import Facts
from hub.routing.schema import Action, Condition, RuleSpec, problems


@pytest.fixture(autouse=True)
def english() -> Any:
    """The schema's messages are in the language of the request; these tests read the English ones."""
    with translation.override("en"):
        yield


def facts(**overrides: Any) -> Facts:
    org = Organization(name="Müller GmbH", key_account=True)
    customer = Customer(display_name="Max", language="de", segment="b2b", organization=org)
    ticket = Ticket(subject="Rechnung 4711", origin_channel="email", priority=2, status="new", language="de")
    ticket.sentiment = -0.6
    interaction = Interaction(
        channel="email",
        identities=(SenderIdentity(kind="email", value="Max@Mueller.example"),),
        subject="Rechnung 4711 falsch",
        text="Die Rechnung ist falsch, ich will kündigen.",
        metadata={"mailbox": "billing@hub.example"},
    )
    return Facts(
        ticket=ticket,
        customer=overrides.get("customer", customer),
        interaction=interaction,
        tags=frozenset({"invoice", "vip"}),
        team_slug=lambda _pk: "billing",
        external={"orders": {"open": 2}},
    )


def holds(field: str, op: str, value: Any, f: Facts | None = None) -> bool:
    return compile_condition(Condition.model_validate({"field": field, "op": op, "value": value}), "test")(f or facts())


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("channel", "equals", "email", True),
        ("channel", "not_equals", "email", False),
        ("channel", "in", ["chat", "email"], True),
        ("mailbox", "equals", "BILLING@hub.example", True),
        ("entry_point", "contains", "billing@", True),
        ("widget", "equals", "3", False),
        ("subject", "contains", "rechnung", True),
        ("subject", "not_contains", "mahnung", True),
        ("subject", "matches", r"^rechnung \d+", True),
        ("body", "matches", r"k(ü|ue)ndigen", True),
        ("body", "contains", "storno", False),
        ("from", "equals", "max@mueller.example", True),
        ("from_domain", "equals", "mueller.example", True),
        ("from_domain", "in", ["gmail.com", "mueller.example"], True),
        ("customer.organization", "equals", "müller gmbh", True),
        ("customer.key_account", "equals", True, True),
        ("customer.key_account", "not_equals", True, False),
        ("customer.segment", "equals", "b2b", True),
        ("customer.language", "in", ["de", "at"], True),
        ("ticket.priority", "equals", "normal", True),
        ("ticket.priority", "gt", "low", True),
        ("ticket.priority", "lt", "normal", False),
        ("ticket.tags", "contains", "VIP", True),
        ("ticket.tags", "not_contains", "spam", True),
        ("ticket.tags", "in", ["spam", "invoice"], True),
        ("ticket.status", "equals", "new", True),
        ("ticket.status", "in", ["open", "pending"], False),
        ("ticket.team", "equals", "billing", True),
        ("language", "equals", "de", True),
        ("sentiment", "lt", -0.5, True),
        ("sentiment", "gt", 0, False),
        ("business_hours", "equals", "inside", True),
        ("external.orders.open", "equals", "2", False),  # text compare: the number is not a text
        ("customer.attributes.contract", "equals", "gold", False),
    ],
)
def test_each_condition_field_and_operator_tests_what_an_admin_would_expect(
    field: str, op: str, value: Any, expected: bool
) -> None:
    assert holds(field, op, value) is expected


def test_conditions_about_the_customer_do_not_hold_when_there_is_no_customer() -> None:
    bare = facts(customer=None)
    assert holds("customer.key_account", "equals", True, bare) is False
    assert holds("customer.segment", "not_equals", "b2b", bare) is True


def test_business_hours_say_outside_at_night_and_count_minutes_only_while_open() -> None:
    hours = build("Europe/Berlin", {"mon": [["09:00", "17:00"]]})
    from datetime import UTC, datetime

    monday_night = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)  # a Monday, 23:00 in Berlin
    assert not hours.inside(monday_night)
    assert hours.inside(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    # 30 business minutes from Monday 16:45 Berlin: 15 on Monday, 15 the next Monday.
    due = hours.add_minutes(datetime(2026, 12, 7, 15, 45, tzinfo=UTC), 30)
    assert due == datetime(2026, 12, 14, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"field": "subjekt", "op": "contains", "value": "x"}, "unknown field 'subjekt'"),
        ({"field": "subject", "op": "gt", "value": "x"}, "subject cannot be tested with 'gt'"),
        ({"field": "subject", "op": "matches", "value": "(unclosed"}, "not a valid regular expression"),
        ({"field": "ticket.priority", "op": "equals", "value": "sehr hoch"}, "not a priority"),
        ({"field": "ticket.status", "op": "equals", "value": "done"}, "ticket.status is one of"),
        ({"field": "channel", "op": "in", "value": "email"}, "'in' takes a non-empty list"),
        ({"field": "customer.key_account", "op": "equals", "value": "yes"}, "true or false"),
    ],
)
def test_an_invalid_condition_is_refused_with_its_place_and_reason(condition: dict[str, Any], problem: str) -> None:
    rule = {
        "name": "Rechnungen",
        "triggers": ["ticket_created"],
        "conditions": [{"field": "channel", "op": "equals", "value": "email"}, condition],
        "actions": [{"type": "set_priority", "value": "high"}],
    }
    with pytest.raises(ValidationError) as caught:
        RuleSpec.model_validate(rule)
    found = problems(caught.value)
    assert list(found) == ["conditions.1"]
    assert problem in found["conditions.1"][0]


def test_a_rule_that_never_runs_or_does_nothing_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        RuleSpec.model_validate({"name": "x", "actions": [{"type": "stop"}]})
    assert "never runs" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        RuleSpec.model_validate({"name": "x", "triggers": ["ticket_created"], "actions": []})
    assert "actions" in problems(caught.value)


def test_an_action_with_a_value_that_does_not_fit_names_the_action() -> None:
    with pytest.raises(ValidationError) as caught:
        RuleSpec.model_validate(
            {
                "name": "x",
                "triggers": ["ticket_created"],
                "actions": [{"type": "set_team", "value": "billing"}, {"type": "set_status", "value": "done"}],
            }
        )
    assert list(problems(caught.value)) == ["actions.1"]
    assert Action.model_validate({"type": "set_priority", "value": "urgent"}).value == 4


def test_a_catastrophic_pattern_runs_out_of_time_and_then_is_skipped() -> None:
    spec = RuleSpec.model_validate(
        {
            "name": "Kaputt",
            "triggers": ["ticket_created"],
            "conditions": [{"field": "body", "op": "matches", "value": r"^(a|aa)+$"}],
            "actions": [{"type": "add_tags", "value": ["never"]}],
        }
    )
    rules = RuleSet([Compiled.of(spec, 1)], {}, {})
    evil = facts()
    evil.set("body", "a" * 5000 + "!")
    started = time.perf_counter()
    outcomes = [rules.run("ticket_created", evil) for _ in range(10)]
    # Three timeouts of 50 ms, then the pattern is skipped: well under a second for ten mails.
    assert time.perf_counter() - started < 1.0
    assert not any(o.hits for o in outcomes)


def test_the_schema_names_the_problem_in_german_for_a_german_admin() -> None:
    with translation.override("de"), pytest.raises(ValidationError) as caught:
        RuleSpec.model_validate(
            {
                "name": "x",
                "triggers": ["ticket_created"],
                "conditions": [{"field": "subjekt", "op": "contains", "value": "x"}],
                "actions": [{"type": "stop"}],
            }
        )
    assert problems(caught.value)["conditions.0"] == ["unbekanntes Feld 'subjekt'"]


@pytest.mark.parametrize(
    "text",
    [
        "Ihre Bestellung 4711 ist unterwegs",
        "abab wiederholt",
        "Paket ist unterwegs",
        "nichts davon",
        "RECHNUNG   12",
        "",
    ],
)
def test_patterns_searched_together_answer_exactly_as_each_pattern_alone(text: str) -> None:
    # The rule set searches all patterns of a field as one alternation first; backreferences
    # and inline flags, which an alternation would change, are searched alone.
    patterns = [r"(bestell)ung\s+\d+", r"(ab)\1", r"(?x) r e c h n u n g \s+ \d+", r"^$", r"ist unterwegs", r"zzz"]
    specs = [
        RuleSpec.model_validate(
            {
                "name": f"P{n}",
                "triggers": ["ticket_created"],
                "conditions": [{"field": "body", "op": "matches", "value": p}],
                "actions": [{"type": "add_tags", "value": ["x"]}],
            }
        )
        for n, p in enumerate(patterns)
    ]
    together = RuleSet([Compiled.of(spec, n) for n, spec in enumerate(specs)], {}, {})
    alone = [RuleSet([Compiled.of(spec, n)], {}, {}) for n, spec in enumerate(specs)]

    def on(rules: RuleSet) -> list[str]:
        message = Interaction(
            channel="email", identities=(SenderIdentity(kind="email", value="a@b.example"),), text=text
        )
        bare = Facts(ticket=Ticket(origin_channel="email"), customer=None, interaction=message, tags=frozenset())
        return [hit.name for hit in rules.run("ticket_created", bare).hits]

    assert on(together) == [name for rules in alone for name in on(rules)]


def test_a_broken_regular_expression_is_explained_in_the_readers_language_with_where_it_breaks() -> None:
    from django.utils.translation import override

    from hub.routing.schema import compile_pattern

    with (
        override("de"),
        pytest.raises(ValueError, match=r"^kein gültiger regulärer Ausdruck: ein \[ ohne sein \], an Zeichen 6$"),
    ):
        compile_pattern("([a-z")
    with (
        override("en"),
        pytest.raises(ValueError, match=r"^not a valid regular expression: a \) without its \(, at character 4$"),
    ):
        compile_pattern("abc)")
