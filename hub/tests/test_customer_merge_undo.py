"""Merging from the workspace: the target takes over what it lacks, and an undo within ten minutes
gives back the tickets, identities and details that moved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.actions.customer_merge import (
    do_merge_into,
    do_set_identity_verified,
    do_set_organizations_by_domain,
    do_undo_recent_merge,
    merge_plan,
)
from hub.actions.customers import MergeError
from hub.models import AuditEntry, CustomerMerge, IdentityKind
from hub.pipeline.identify import organizations_for
from hub.tests.factories import CustomerFactory, IdentityFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_the_target_takes_over_what_it_lacks_and_keeps_its_own_values(agent):
    acme = OrganizationFactory.create()
    target = CustomerFactory.create(display_name="Nora Berg", language="", attributes={"plan": "gold"})
    source = CustomerFactory.create(
        display_name="N. Berg", language="en", organization=acme, attributes={"plan": "silver", "region": "Nord"}
    )

    merge = do_merge_into(source, target, actor=None)

    target.refresh_from_db()
    assert target.display_name == "Nora Berg" and target.language == "en" and target.organization == acme
    assert target.attributes == {"plan": "gold", "region": "Nord"}
    assert merge.filled == {
        "fields": ["organization_id", "language"],
        "attributes": ["region"],
        "conflicts": [
            {"name": "display_name", "kept": "Nora Berg", "dropped": "N. Berg"},
            {"name": "plan", "kept": "gold", "dropped": "silver"},
        ],
    }


def test_the_plan_names_conflicts_with_the_targets_value_winning():
    target = CustomerFactory.create(display_name="Nora Berg", attributes={"plan": "gold", "vip_since": 2020})
    source = CustomerFactory.create(display_name="N. Berg", attributes={"plan": "silver", "vip_since": 2020})
    IdentityFactory.create(customer=source, kind=IdentityKind.EMAIL, value="n@kunde.de")
    TicketFactory.create(customer=source)

    plan = merge_plan(source, target)

    assert [(c.name, c.kept, c.dropped) for c in plan.conflicts] == [
        ("display_name", "Nora Berg", "N. Berg"),
        ("plan", "gold", "silver"),
    ]
    assert [i.value for i in plan.identities] == ["n@kunde.de"] and len(plan.ticket_ids) == 1


def test_an_undo_returns_tickets_identities_and_the_details_taken_over(agent):
    target = CustomerFactory.create(segment="")
    source = CustomerFactory.create(segment="smb", attributes={"region": "Nord"})
    ticket = TicketFactory.create(customer=source)
    email = IdentityFactory.create(customer=source, kind=IdentityKind.EMAIL, value="n@kunde.de")
    merge = do_merge_into(source, target, actor=None)

    do_undo_recent_merge(merge, actor=None)

    ticket.refresh_from_db()
    email.refresh_from_db()
    target.refresh_from_db()
    assert ticket.customer == source and email.customer == source
    assert target.segment == "" and target.attributes == {}


def test_a_detail_changed_after_the_merge_stays_on_undo():
    target = CustomerFactory.create(segment="")
    source = CustomerFactory.create(segment="smb")
    merge = do_merge_into(source, target, actor=None)
    target.refresh_from_db()
    target.segment = "enterprise"
    target.save()

    do_undo_recent_merge(merge, actor=None)

    target.refresh_from_db()
    assert target.segment == "enterprise"


def test_an_undo_after_the_window_or_a_second_time_is_refused():
    target, source = CustomerFactory.create(), CustomerFactory.create()
    ticket = TicketFactory.create(customer=source)
    merge = do_merge_into(source, target, actor=None)
    CustomerMerge.objects.filter(pk=merge.pk).update(merged_at=timezone.now() - timedelta(minutes=11))
    merge.refresh_from_db()

    with pytest.raises(MergeError):
        do_undo_recent_merge(merge, actor=None)

    ticket.refresh_from_db()
    assert ticket.customer == target
    fresh = do_merge_into(CustomerFactory.create(), target, actor=None)
    do_undo_recent_merge(fresh, actor=None)
    fresh.refresh_from_db()
    with pytest.raises(MergeError):
        do_undo_recent_merge(fresh, actor=None)


def test_marking_an_identity_verified_is_audited_once(agent):
    identity = IdentityFactory.create(kind=IdentityKind.EMAIL, value="n@kunde.de")

    do_set_identity_verified(identity, verified=True, actor=agent)
    do_set_identity_verified(identity, verified=True, actor=agent)

    identity.refresh_from_db()
    assert identity.verified
    assert AuditEntry.objects.filter(action="customer.identity_verified").count() == 1


def test_with_the_switch_off_a_mail_domain_finds_no_organization(admin_agent):
    acme = OrganizationFactory.create(domains=["acme.de"])
    assert organizations_for({"acme.de"}) == {"acme.de": acme}

    do_set_organizations_by_domain(enabled=False, actor=admin_agent)

    assert organizations_for({"acme.de"}) == {}
    do_set_organizations_by_domain(enabled=True, actor=admin_agent)
    assert organizations_for({"acme.de"}) == {"acme.de": acme}
