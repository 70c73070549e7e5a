"""Admins' changes to SLA policies, an organization's contracted policy, a ticket's policy.

Saved, ordered and logged like the routing rules (``hub.actions.rules``); every change of a
policy gives the rule set a new token (``hub.sla``'s signals), so the pipeline chooses by the
new policies from its next batch on. Values come checked by ``hub.sla.policies.normalize_policy``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.models import Agent, Organization, SlaPolicy, Ticket
from hub.models.routing import rules_changed

audit.describe("sla_policy.created", _("SLA policy created"))
audit.describe("sla_policy.updated", _("SLA policy changed"))
audit.describe("sla_policy.deleted", _("SLA policy deleted"))
audit.describe("sla_policy.reordered", _("SLA policies reordered"))
audit.describe("organization.sla_policy", _("Organization's SLA policy changed"))


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "calendar": str(values["calendar"] or "")}


@transaction.atomic
def do_save_sla_policy(*, actor: Agent | None, policy: SlaPolicy | None, values: dict[str, Any]) -> SlaPolicy:
    """Create (last in order unless ``values["position"]`` says) or change a policy.

    ``values``: ``normalize_policy``'s answer. ValueError when another policy has the name.
    Clocks already running keep their due times; tickets measured from now on use the change.
    Locking: the policy's row (by its UPDATE).
    """
    values = dict(values)
    name = values["name"]
    others = SlaPolicy.objects.filter(name__iexact=name)
    if (others.exclude(pk=policy.pk) if policy is not None else others).exists():
        raise ValueError(gettext("another SLA policy is called %(name)r") % {"name": name})
    if values.get("position") is None:
        if policy is None:
            last = SlaPolicy.objects.aggregate(last=Max("position"))["last"]
            values["position"] = last + 1 if last is not None else 0
        else:
            values.pop("position", None)
    if policy is None:
        policy = SlaPolicy.objects.create(**values)
        audit.record(
            actor, "sla_policy.created", target=policy, label=policy.name, changes=audit.diff({}, _shown(values))
        )
        return policy
    before = {key: getattr(policy, key) for key in values}
    for key, value in values.items():
        setattr(policy, key, value)
    policy.save()
    audit.record(
        actor,
        "sla_policy.updated",
        target=policy,
        label=policy.name,
        changes=audit.diff(_shown({"calendar": None, **before}), _shown(values)),
    )
    return policy


@transaction.atomic
def do_delete_sla_policy(*, actor: Agent | None, policy: SlaPolicy) -> None:
    """Delete a policy. Open tickets it measured stop being measured: their running clocks end
    (met clocks stay for reports) and their due time and state are cleared. Locking: none."""
    from hub.sla.clocks import forget_policy

    audit.record(actor, "sla_policy.deleted", target=policy, label=policy.name)
    forget_policy(policy.pk)
    policy.delete()


@transaction.atomic
def do_reorder_sla_policies(*, actor: Agent | None, order: list[int]) -> list[SlaPolicy]:
    """Put the policies in ``order`` (every policy's id once); the first that holds applies.
    Locking: every policy row, in id order. ValueError naming the ids when ``order`` does not."""
    policies = {p.pk: p for p in SlaPolicy.objects.select_for_update().order_by("pk")}
    if sorted(order) != sorted(policies) or len(set(order)) != len(order):
        raise ValueError("name every SLA policy's id once: " + ", ".join(str(pk) for pk in sorted(policies)))
    for position, pk in enumerate(order):
        policies[pk].position = position
    SlaPolicy.objects.bulk_update(list(policies.values()), ["position"])
    rules_changed()  # bulk_update sends no signal
    audit.record(actor, "sla_policy.reordered", label=", ".join(policies[pk].name for pk in order))
    return [policies[pk] for pk in order]


def do_move_sla_policy(*, actor: Agent | None, policy: SlaPolicy, by: int) -> list[SlaPolicy]:
    """Move a policy ``by`` places up (negative) or down in the order."""
    order = list(SlaPolicy.objects.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(policy.pk)
    order.insert(max(0, min(len(order) - 1, index + by)), order.pop(index))
    return do_reorder_sla_policies(actor=actor, order=order)


@transaction.atomic
def do_set_organization_sla_policy(
    *, actor: Agent | None, organization: Organization, policy: SlaPolicy | None
) -> Organization:
    """The policy contracted with an organization (None: none). It measures its customers'
    tickets before any other policy: their open tickets are measured by it after the commit (a
    task, one ticket at a time); a policy a rule or an agent set on a ticket stays. Locking: the
    organization's row."""
    previous = organization.sla_policy
    if organization.sla_policy_id == (policy.pk if policy else None):
        return organization
    organization.sla_policy = policy
    organization.save(update_fields=["sla_policy"])
    audit.record(
        actor,
        "organization.sla_policy",
        target=organization,
        label=organization.name,
        changes=audit.diff({"sla_policy": str(previous or "")}, {"sla_policy": str(policy or "")}),
    )
    from hub.sla.tasks import apply_contract

    pk = organization.pk
    transaction.on_commit(lambda: apply_contract.delay(pk))
    return organization


def do_set_ticket_sla_policy(*, actor: Agent | None, ticket: Ticket, policy: SlaPolicy | None) -> Ticket:
    """Measure ``ticket`` by ``policy`` from now on (None: by the policy its conditions choose),
    kept when its priority or team changes; an ``sla_policy`` event on its timeline.

    Clocks that run keep the time they have used and get the new policy's minutes; targets the
    new policy leaves out stop. Locking: the ticket's row (``SELECT … FOR UPDATE``).
    """
    from hub.sla.clocks import set_policy

    return set_policy(ticket, policy, actor=actor)
