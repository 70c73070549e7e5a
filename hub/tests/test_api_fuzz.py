"""The API answers whatever it is sent as its schema says: schemathesis generates requests for
every operation of the OpenAPI schema (valid and invalid ones, a few each, reproducibly) and
checks that none is a server error and that every answer is documented and matches its schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from channels_phone.models import PhoneNumber
from hub.actions.tokens import do_create_token
from hub.models import Agent, Role
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, MessageFactory, TicketFactory
from hub.wsgi import application

pytestmark = pytest.mark.django_db

# Bounded: a few examples per operation, none allowed to take long, the same ones every run.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
EXAMPLE_DEADLINE = timedelta(seconds=5)


def test_an_offset_django_accepts_but_postgresql_does_not_is_no_server_error(api_for, admin_agent: Agent) -> None:
    client = api_for(admin_agent)
    ticket = TicketFactory.create()

    far_east = client.get("/api/v1/tickets/", {"updated_since": "2020-01-01T00:00:00+20:36"})
    before_the_calendar = client.get("/api/v1/tickets/", {"updated_since": "0001-01-01T00:00:00+01:00"})
    not_a_moment = client.get("/api/v1/tickets/", {"updated_since": "gestern"})

    assert far_east.status_code == 200
    assert [row["id"] for row in far_east.json()["results"]] == [ticket.pk]
    assert before_the_calendar.status_code == 400 and "updated_since" in before_the_calendar.json()
    assert not_a_moment.status_code == 400


@pytest.fixture
def wsgi_requests(db: None, settings: Any) -> Iterator[None]:
    """Requests straight to the WSGI application, in the test's transaction: as Django's test
    client does, the connection is not closed at the end of each request. Schemathesis also
    sends made-up credentials, many more than the limit of failures allows from one address."""
    cache.clear()
    settings.AUTH_FAILURES_PER_ADDRESS = 1_000_000
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: None) -> str:
    """An admin's token, and something to find: tickets, a customer, a message, a phone number."""
    admin = AgentFactory.create(role=Role.ADMIN)
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer)
    for _ in range(2):
        MessageFactory.create(ticket=TicketFactory.create(customer=customer))
    # A number, so that its list answers a row to check against the schema.
    PhoneNumber.objects.create(number="+4930901820", provider="twilio", account_sid="AC1", auth_token="secret")
    return do_create_token(None, name="schema fuzz", agent=admin, scope="admin", expires_at=None)[1]


# The schema as the hub serves it (no database needed to build it).
# The operations of hub.api's views and of the channels' endpoints under /api/v1/ (phone
# numbers), which document their errors (hub.api.schema).
HUB_API = (
    r"^/api/v1/(tickets|customers|organizations|merges|teams|agents|attachments|calendars|sla-policies|routing/rules"
    r"|presence"
    r"|phone-numbers)/"
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(path_regex=HUB_API)
# Bodies whose validity no JSON schema can state (a calendar's span ends after it starts, its spans
# do not overlap, its holiday region exists): schema-valid ones may rightly be refused with a 400.
SEMANTIC_BODIES = {("POST", "/api/v1/calendars/")}
# An SLA policy's targets name known targets and priorities, and at least one; its conditions fields
# a policy may test: schema-valid bodies may be refused with a 400 as well.
SEMANTIC_BODIES |= {
    ("POST", "/api/v1/sla-policies/"),
    ("PUT", "/api/v1/sla-policies/{id}/"),
    ("PATCH", "/api/v1/sla-policies/{id}/"),
    ("POST", "/api/v1/sla-policies/reorder/"),
}
# A rule runs on a trigger or a timer, its conditions name fields with operators that fit them,
# its actions name teams and agents that exist, a reorder names every rule once, a dry run needs
# rules to try: JSON schema cannot say so.
SEMANTIC_BODIES |= {
    ("POST", "/api/v1/routing/rules/"),
    ("PUT", "/api/v1/routing/rules/{id}/"),
    ("PATCH", "/api/v1/routing/rules/{id}/"),
    ("POST", "/api/v1/routing/rules/reorder/"),
    ("POST", "/api/v1/routing/rules/dry-run/"),
}
# A phone number is a valid one and not configured yet, and its provider's credentials are all
# there (a Twilio Account SID starts with AC): phonenumbers and the provider decide, not a schema.
SEMANTIC_BODIES |= {
    ("POST", "/api/v1/phone-numbers/"),
    ("PUT", "/api/v1/phone-numbers/{id}/"),
    ("PATCH", "/api/v1/phone-numbers/{id}/"),
}

# A new conversation names a team that exists and the agent's, a channel that can reach the customer;
# an identity is a real address or number nobody else has; an organization's contract is a policy
# that exists: schema-valid bodies may be refused with a 400.
SEMANTIC_BODIES |= {
    ("POST", "/api/v1/tickets/"),
    ("POST", "/api/v1/organizations/"),
    ("PATCH", "/api/v1/organizations/{id}/"),
    ("POST", "/api/v1/customers/"),
    ("POST", "/api/v1/customers/{id}/identities/"),
}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=EXAMPLE_DEADLINE,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, token: str, wsgi_requests: None) -> None:
    semantic = (case.method.upper(), case.path) in SEMANTIC_BODIES
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance] if semantic else None,
    )
