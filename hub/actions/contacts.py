"""Customers, their identities and organizations, made and changed by agents (API, workspace).

The pipeline makes customers from what arrives; these are the records an agent makes before
anyone wrote: a customer to start a conversation with, an address or number they gave on the
phone, the company they belong to. An identity belongs to one customer: adding one that
another customer holds is refused with that customer named (``IdentityTaken``), never moved
silently; moving it is a merge, which can be undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub import audit
from hub.access import visible_customers
from hub.actions.customers import checked_language
from hub.identity import normalize, typed_email
from hub.models import Agent, Customer, Identity, IdentityKind, Organization, SlaPolicy, Ticket

audit.describe("customer.created", gettext_lazy("Customer created"))
audit.describe("customer.identity_added", gettext_lazy("Customer identity added"))
audit.describe("customer.identity_removed", gettext_lazy("Customer identity removed"))
audit.describe("organization.created", gettext_lazy("Organization created"))
audit.describe("organization.updated", gettext_lazy("Organization changed"))

# The kinds an agent may add by hand: the others (a chat visitor, an external id) come from channels.
ADDABLE_KINDS = (IdentityKind.EMAIL, IdentityKind.PHONE)
# What an agent may set on a customer it creates (``EDITABLE`` of hub.actions.customers, plus its company).
CUSTOMER_FIELDS = ("display_name", "language", "timezone", "segment", "vip", "organization")
ORGANIZATION_FIELDS = ("name", "domains", "tier", "key_account", "sla_policy")


class IdentityTaken(ValueError):
    """The identity belongs to another customer; ``owner`` is that customer.

    Say it to an agent through ``owner_for``: a customer outside their sight stays unnamed.
    """

    def __init__(self, kind: str, value: str, owner: Customer) -> None:
        super().__init__(_("%(value)s already belongs to another customer.") % {"value": value})
        self.kind, self.value, self.owner = kind, value, owner

    def owner_for(self, agent: Agent) -> Customer | None:
        """The owner when ``agent`` may open them (``reachable_customers``), else None: who holds
        an address is as private as that customer's tickets."""
        return self.owner if reachable_customers(agent).filter(pk=self.owner.pk).exists() else None

    def said_to(self, agent: Agent) -> str:
        """The refusal in the agent's words, naming the owner only when they may open them."""
        owner = self.owner_for(agent)
        if owner is None:
            return _("%(value)s already belongs to a customer of another team. A lead or admin can merge the two.") % {
                "value": self.value
            }
        return _("%(value)s already belongs to customer #%(id)s") % {"value": self.value, "id": owner.pk}


def reachable_customers(agent: Agent) -> QuerySet[Customer]:
    """Customers ``agent`` may work with: those it sees (``hub.access``), and customers with no
    ticket at all, records made before anyone wrote, which belong to no team yet.

    A record merged into another has no tickets either, but it is someone's: it keeps the name
    and details of a customer whose tickets went with the merge, and it leads to that customer.
    """
    if agent.sees_everything:
        return Customer.objects.all()
    no_ticket = ~Exists(Ticket.objects.filter(customer=OuterRef("pk")))
    return Customer.objects.filter(no_ticket, merged_into__isnull=True) | visible_customers(agent)


def normalized(kind: str, value: str) -> str:
    """``value`` as the pipeline stores it (``hub.identity``); InvalidIdentity when it is none,
    or an address typed without a domain mail can reach (``typed_email``)."""
    return typed_email(value) if kind == IdentityKind.EMAIL else normalize(kind, value)


def _owner(kind: str, value: str) -> Customer | None:
    found = Identity.objects.filter(kind=kind, value=value).select_related("customer").first()
    return found.customer if found is not None else None


def _add(customer: Customer, kind: str, value: str, *, verified: bool) -> Identity:
    """Insert the identity (``value`` normalized), or IdentityTaken naming its owner; idempotent
    for one the customer already has. A savepoint keeps a lost race from breaking the caller's
    transaction: the unique index decides, and the loser is told who won."""
    owner = _owner(kind, value)
    if owner is not None and owner.pk != customer.pk:
        raise IdentityTaken(kind, value, owner)
    if owner is not None:
        return Identity.objects.get(kind=kind, value=value)
    try:
        with transaction.atomic():
            return Identity.objects.create(customer=customer, kind=kind, value=value, verified=verified)
    except IntegrityError:
        owner = _owner(kind, value)
        if owner is None:
            raise
        if owner.pk == customer.pk:
            return Identity.objects.get(kind=kind, value=value)
        raise IdentityTaken(kind, value, owner) from None


@transaction.atomic
def do_create_customer(
    *, actor: Agent | None, fields: dict[str, Any], identities: Iterable[tuple[str, str]] = ()
) -> Customer:
    """A new customer with ``fields`` (of ``CUSTOMER_FIELDS``) and ``identities`` ((kind, value),
    values normalized here). IdentityTaken (and nothing stored) when another customer holds one;
    InvalidIdentity for a value that is no address or number."""
    pairs = [(kind, normalized(kind, value)) for kind, value in identities]
    if "language" in fields:
        fields = fields | {"language": checked_language(str(fields["language"] or ""))}
    customer = Customer.objects.create(**{k: v for k, v in fields.items() if k in CUSTOMER_FIELDS})
    for kind, value in dict.fromkeys(pairs):
        _add(customer, kind, value, verified=False)
    audit.record(
        actor,
        "customer.created",
        target=customer,
        changes={"identities": [f"{kind}:{value}" for kind, value in pairs]} if pairs else {},
    )
    return customer


@transaction.atomic
def do_set_customer_organization(customer: Customer, organization: Organization | None, *, actor: Agent | None) -> None:
    """Put the customer in ``organization`` (or in none), audited."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.organization_id == (organization.pk if organization else None):
        return
    before = str(locked.organization or "")
    locked.organization = organization
    locked.save(update_fields=["organization", "updated_at"])
    customer.organization = organization
    changes = {"organization": [before, str(organization or "")]}
    audit.record(actor, "customer.updated", target=locked, changes=changes)


@transaction.atomic
def do_add_identity(customer: Customer, *, kind: str, value: str, actor: Agent | None) -> Identity:
    """Give the customer an email address or phone number (normalized as the pipeline does).

    IdentityTaken names the customer who holds it already; the same one again is no change.
    The customer's row is locked, as the pipeline locks it while threading its interactions.
    """
    if kind not in ADDABLE_KINDS:
        raise ValueError(_("Only email addresses and phone numbers can be added by hand"))
    value = normalized(kind, value)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    existing = Identity.objects.filter(customer=customer, kind=kind, value=value).first()
    if existing is not None:
        return existing
    identity = _add(customer, kind, value, verified=False)
    audit.record(actor, "customer.identity_added", target=customer, changes={"identity": [None, str(identity)]})
    return identity


@transaction.atomic
def do_remove_identity(identity: Identity, *, actor: Agent | None) -> None:
    """Remove one of a customer's identities: mail or texts from it later make a new customer."""
    customer = Customer.objects.select_for_update().get(pk=identity.customer_id)
    deleted, _rows = Identity.objects.filter(pk=identity.pk).delete()
    if deleted:
        audit.record(actor, "customer.identity_removed", target=customer, changes={"identity": [str(identity), None]})


@transaction.atomic
def do_save_organization(
    organization: Organization | None, *, actor: Agent | None, fields: dict[str, Any]
) -> Organization:
    """Create an organization (``organization`` None) or change one, audited. ``domains`` are
    mail domains, kept lower-case: a new customer writing from one joins it. A contract
    (``sla_policy``) goes through ``do_set_organization_sla_policy``, which measures the open
    tickets of its customers by it. Locking: the organization's row."""
    from hub.actions.sla import do_set_organization_sla_policy

    fields = {k: v for k, v in fields.items() if k in ORGANIZATION_FIELDS}
    if "domains" in fields:
        fields["domains"] = sorted({d.strip().lower().lstrip("@") for d in fields["domains"] if d.strip()})
    contract = "sla_policy" in fields
    policy: SlaPolicy | None = fields.pop("sla_policy", None)
    if organization is None:
        locked = Organization.objects.create(**fields)
        audit.record(actor, "organization.created", target=locked)
    else:
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = {k: getattr(locked, k) for k in fields}
        for key, value in fields.items():
            setattr(locked, key, value)
        after = {k: getattr(locked, k) for k in fields}
        if after != before:
            locked.save()
            audit.record(actor, "organization.updated", target=locked, changes=audit.diff(before, after))
    if contract:
        do_set_organization_sla_policy(actor=actor, organization=locked, policy=policy)
    return locked
