from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min
from django.test import Client, override_settings

from demo.bulk import seed_bulk
from hub.models import (
    Agent,
    ChannelSetting,
    Customer,
    Identity,
    Message,
    Organization,
    Role,
    Skill,
    Team,
    Ticket,
    TicketEvent,
)
from hub.text import preview

pytestmark = pytest.mark.django_db

CHANNELS = {"email", "chat", "web", "phone", "sms"}
PASSWORD = "demo-password-for-tests"


@pytest.fixture(autouse=True)
def fast_hasher(settings: object) -> None:
    # Seven demo logins with the production hasher cost seconds per test and prove nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


def seed(**options: object) -> str:
    out = io.StringIO()
    with override_settings(HUB_ADMIN_PASSWORD=PASSWORD):
        call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    models = (Team, Agent, ChannelSetting, Organization, Customer, Identity, Ticket, Message, TicketEvent)
    return {m.__name__: m.objects.count() for m in models}


def assert_list_fields_match_messages(tickets: list[Ticket]) -> None:
    for ticket in tickets:
        messages = list(ticket.messages.order_by("created_at", "id"))
        last = messages[-1]
        assert ticket.message_count == len(messages), ticket
        assert ticket.last_activity_at == last.created_at, ticket
        assert ticket.last_message_kind == last.kind, ticket
        assert ticket.last_message_direction == last.direction, ticket
        assert ticket.last_message_channel == last.channel == ticket.origin_channel, ticket
        assert ticket.last_message_preview == preview(last.text, 200), ticket
        assert ticket.version >= 1 + len(messages), ticket
        inbound = [m.created_at for m in messages if m.direction == "in"]
        assert ticket.last_customer_message_at == max(inbound), ticket
        assert ticket.history["lifetime_tickets"] >= 1, ticket


def test_seeding_twice_changes_nothing_the_second_time() -> None:
    first = seed()
    after_first = table_counts()

    second = seed()

    assert "created" in first
    assert "nothing changed" in second
    assert table_counts() == after_first
    assert PASSWORD in first and PASSWORD in second


def test_the_demo_has_tickets_on_every_channel_with_consistent_list_fields() -> None:
    seed()

    tickets = list(Ticket.objects.select_related("customer"))
    assert {t.origin_channel for t in tickets} == CHANNELS
    assert {t.language for t in tickets} == {"de", "en"}
    assert {t.status for t in tickets} >= {"new", "open", "pending", "solved"}
    assert Ticket.objects.filter(assignee__isnull=True).exists()
    assert Ticket.objects.filter(tags__isnull=False).exists()
    assert_list_fields_match_messages(tickets)
    assert Message.objects.filter(kind="note").exists()
    call = Message.objects.filter(kind="call").first()
    assert call is not None and call.metadata["duration_seconds"] > 0
    form = Message.objects.filter(channel="web", metadata__has_key="fields").first()
    assert form is not None and form.metadata["fields"]["email"]
    returning = Ticket.objects.filter(customer__identities__value="sarah.johnson@brightside.co.uk").distinct()
    assert returning.count() >= 2
    assert all(t.history["lifetime_tickets"] == returning.count() for t in returning)


def test_the_demo_has_agents_in_every_role_and_each_channel_a_default_team() -> None:
    seed()

    assert set(Agent.objects.values_list("role", flat=True)) == {Role.ADMIN, Role.LEAD, Role.AGENT}
    assert set(Agent.objects.values_list("language", flat=True)) == {"de", "en"}
    assert set(ChannelSetting.objects.values_list("channel", flat=True)) == CHANNELS
    assert not ChannelSetting.objects.filter(default_team__isnull=True).exists()
    assert Organization.objects.filter(key_account=True).exists()
    phones = Identity.objects.filter(kind="phone").values_list("value", flat=True)
    assert phones and all(re.fullmatch(r"\+[1-9]\d{6,14}", p) for p in phones)
    held = {skill for skills in Agent.objects.values_list("skills", flat=True) for skill in skills}
    assert held and held <= set(Skill.objects.values_list("name", flat=True))  # listed in Settings → Skills


def test_the_demos_reports_show_satisfaction_from_a_chat_and_from_survey_mails() -> None:
    seed()
    client = Client()
    client.force_login(Agent.objects.get(user__username="admin").user)

    response = client.get("/agent/reports/?format=csv")  # the last 30 days

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert (total["csat_answers"], total["csat_satisfied"]) == ("3", "2")


def test_the_admin_logs_in_with_the_printed_password() -> None:
    output = seed()
    printed = re.search(r"password: (\S+)", output)

    assert printed is not None
    assert Client().login(username="admin", password=printed.group(1))


def test_without_a_configured_password_one_is_generated_and_reused(tmp_path: Path) -> None:
    outputs = []
    with override_settings(HUB_ADMIN_PASSWORD="", BASE_DIR=tmp_path):
        for _ in range(2):
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            outputs.append(re.search(r"password: (\S+)", out.getvalue()).group(1))  # type: ignore[union-attr]

    assert outputs[0] == outputs[1]
    assert (tmp_path / "var" / "admin-password.txt").read_text().strip() == outputs[0]
    assert Client().login(username="admin", password=outputs[0])


def test_bulk_tickets_land_with_messages_events_and_returning_customers() -> None:
    seed()
    before = table_counts()
    highest = Ticket.objects.aggregate(top=Max("pk"))["top"]

    output = seed(tickets=500, chunk=200)

    added = {name: n - before[name] for name, n in table_counts().items()}
    assert added["Ticket"] == 500
    assert "500 / 500 tickets" in output
    assert 2 * 500 <= added["Message"] <= 4 * 500
    assert added["TicketEvent"] >= 3 * 500
    # About one customer per three tickets.
    assert 100 <= added["Customer"] <= 250
    bulk = Ticket.objects.filter(pk__gt=highest)
    assert bulk.count() == 500
    assert set(bulk.values_list("origin_channel", flat=True)) == CHANNELS
    assert bulk.values("status").distinct().count() >= 4
    assert bulk.values("team").distinct().count() == Team.objects.count()
    span = bulk.aggregate(first=Min("created_at"), last=Max("last_activity_at"))
    assert span["last"] - span["first"] > timedelta(days=300)
    mismatched = bulk.annotate(n=Count("messages")).exclude(message_count=F("n"))
    assert not mismatched.exists()
    assert_list_fields_match_messages(list(bulk.order_by("?")[:60]))


def test_bulk_tickets_on_the_orm_path_have_the_same_shape() -> None:
    seed()
    before = Ticket.objects.count()

    report = seed_bulk(120, copy=False, chunk_size=50)

    assert report.tickets == 120
    assert Ticket.objects.count() == before + 120
    assert_list_fields_match_messages(list(Ticket.objects.order_by("-pk")[:120]))


def test_a_ticket_created_after_a_bulk_load_gets_a_fresh_number() -> None:
    seed(tickets=50)
    highest = Ticket.objects.aggregate(top=Max("pk"))["top"]

    ticket = Ticket.objects.create(customer=Customer.objects.create(display_name="Neu"), origin_channel="email")

    assert ticket.pk > highest


def test_a_configured_password_replaces_the_one_an_existing_admin_had() -> None:
    seed()
    with override_settings(HUB_ADMIN_PASSWORD="a-new-password-from-env"):
        output = io.StringIO()
        call_command("seed_demo", stdout=output)

    assert "a-new-password-from-env" in output.getvalue()
    assert Client().login(username="admin", password="a-new-password-from-env")


def test_an_admin_with_another_password_is_left_alone_without_configuration(tmp_path: Path) -> None:
    seed()
    output = io.StringIO()
    with override_settings(HUB_ADMIN_PASSWORD="", BASE_DIR=tmp_path):
        call_command("seed_demo", stdout=output)

    assert "left unchanged" in output.getvalue()
    assert Client().login(username="admin", password=PASSWORD)


def test_a_bulk_customers_latest_ticket_has_the_history_the_pipeline_would_give_it() -> None:
    from hub.pipeline.enrich import OPEN_LIMIT, RECENT_LIMIT, history_summary

    seed()
    seed_bulk(300, copy=False, chunk_size=300)
    # The latest ticket of each returning customer: every other ticket of theirs came before it
    # (and the seeder remembers a customer's latest OPEN_LIMIT + RECENT_LIMIT, so no more than that).
    latest = (
        Ticket.objects.values("customer")
        .annotate(n=Count("pk"), top=Max("pk"))
        .filter(n__gte=2, n__lte=OPEN_LIMIT + RECENT_LIMIT)
        .values_list("top", flat=True)
    )
    tickets = list(Ticket.objects.filter(pk__in=list(latest)).select_related("customer__organization")[:40])
    assert len(tickets) >= 10
    about_tickets = ("open_tickets", "recent_tickets", "last_contact", "lifetime_tickets")
    for ticket in tickets:
        expected = history_summary(ticket.customer, ticket)
        assert {k: ticket.history[k] for k in about_tickets} == {k: expected[k] for k in about_tickets}, ticket.pk


def test_every_demo_phone_and_sms_ticket_is_answered_or_says_why_not(django_capture_on_commit_callbacks) -> None:
    from hub.actions import do_reply
    from hub.replies import reply_route

    seed()
    agent = Agent.objects.get(user__username="max.mueller")
    answered = 0
    for ticket in Ticket.objects.filter(origin_channel__in=("phone", "sms")):
        route = reply_route(ticket)
        if not route.usable:
            # A landline caller without an email address: the agent calls back.
            assert "Keine Mobilnummer" in route.reason, (ticket, route.reason)
            continue
        with django_capture_on_commit_callbacks(execute=True):
            reply = do_reply(ticket, agent=agent, text="Wir melden uns gleich.")
        reply.refresh_from_db()
        assert reply.delivery_status in ("sent", "delivered"), (ticket, reply.delivery_error)
        answered += 1
    assert answered >= 2
