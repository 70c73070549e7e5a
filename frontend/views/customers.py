"""Customer and organization pages, the customer edit form (page and ticket panel) and merging.

``/agent/customers/<id>/``: details, duplicates and the journey across channels;
``…/edit/`` (also loaded into the ticket's customer panel) and its identity forms;
``…/merge/<other>/``: what a merge of <other> into this customer moves, then the merge, with an
undo for ``UNDO_WINDOW``; ``/agent/organizations/<id>/``. Every state change goes through
``hub.actions``; viewers read and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend import htmx
from frontend.auth import agent_required
from frontend.customer_journey import journey
from frontend.settings.forms.account import time_zones
from frontend.views.guards import changes_allowed
from hub.access import may_change, ticket_scope
from hub.actions.contacts import (
    IdentityTaken,
    do_add_identity,
    do_remove_identity,
    do_set_customer_organization,
    reachable_customers,
)
from hub.actions.customer_merge import (
    can_undo,
    do_merge_into,
    do_set_identity_verified,
    do_set_organizations_by_domain,
    do_undo_recent_merge,
    merge_plan,
    undo_until,
)
from hub.actions.customers import MergeError, do_update_customer
from hub.customer_attributes import checked, defined_fields, from_text
from hub.customer_duplicates import duplicates
from hub.identity import InvalidIdentity
from hub.models import (
    Account,
    Agent,
    Customer,
    CustomerField,
    CustomerMerge,
    Identity,
    IdentityKind,
    Organization,
    Ticket,
)
from hub.text import whole_number

EDIT_FIELDS = ("display_name", "segment", "language", "timezone")


@changes_allowed
def _refused(request: HttpRequest, agent: Agent) -> HttpResponse:
    raise AssertionError("changes_allowed answers for viewers before this is reached")


def _customer(agent: Agent, customer_id: int) -> Customer:
    found = reachable_customers(agent).filter(pk=customer_id).select_related("organization").first()
    if found is None:
        raise Http404
    return found


def _zones_with(current: str) -> list[tuple[str, str]]:
    """The form's time zones, with the customer's own first where the list has none like it
    ("UTC" from a browser): saving another field must not wipe it."""
    zones = time_zones()
    if current and all(value != current for value, _label in zones):
        return [(current, current), *zones]
    return zones


def _edit_context(agent: Agent, customer: Customer, **extra: Any) -> dict[str, Any]:
    return {
        "customer": customer,
        "identities": list(customer.identities.order_by("kind", "pk")),
        "organizations": Organization.objects.order_by("name"),
        "time_zones": _zones_with(customer.timezone),
        **_attribute_rows(customer),
        "can_edit": may_change(agent),
        **extra,
    }


def _attribute_rows(customer: Customer) -> dict[str, Any]:
    """The admin-defined fields in their order, with the customer's values and whether they fit
    ("defined"), then
    the customer's other attributes by name ("attributes")."""
    fields = defined_fields()
    defined = [
        (field, customer.attributes.get(key), _fits(field, customer.attributes.get(key)))
        for key, field in fields.items()
    ]
    others = sorted((key, value) for key, value in customer.attributes.items() if key not in fields)
    return {"defined": defined, "attributes": others}


def _fits(field: CustomerField, value: Any) -> bool:
    """Whether a stored value fits its field; one saved before the field had its type is shown
    in a plain text box, so saving the form unchanged keeps it."""
    try:
        return value is None or checked(field, value) is not None
    except ValueError:
        return False


def _edit_response(request: HttpRequest, agent: Agent, customer: Customer, **extra: Any) -> HttpResponse:
    if htmx.target(request) is None and request.method == "POST":
        return redirect("agent_customer", customer.pk)
    context = _edit_context(agent, customer, **extra)
    return htmx.vary(render(request, "frontend/customers/_edit.html", context))


@require_GET
@agent_required
def customer_page(request: HttpRequest, agent: Agent, customer_id: int) -> HttpResponse:
    customer = _customer(agent, customer_id)
    found = journey(agent, customer, request.GET.get("before"))
    context = {"journey": found, "customer": customer}
    if htmx.target(request) == "journey-more":
        return htmx.vary(render(request, "frontend/customers/_journey_rows.html", context))
    merged = CustomerMerge.objects.filter(pk=request.GET.get("merged") or 0, target=customer).first()
    context |= _edit_context(agent, customer) | {
        "duplicates": duplicates(customer, reachable_customers(agent)) if customer.merged_into_id is None else [],
        "merge": merged if merged is not None and can_undo(merged) else None,
        "undo_until": undo_until(merged) if merged is not None else None,
    }
    return htmx.vary(render(request, "frontend/customers/page.html", context))


@require_GET
@agent_required
def duplicates_hint(request: HttpRequest, agent: Agent, customer_id: int) -> HttpResponse:
    """The ticket panel's line naming likely duplicates, loaded after the rest of the panel."""
    customer = _customer(agent, customer_id)
    found = duplicates(customer, reachable_customers(agent)) if customer.merged_into_id is None else []
    context = {"customer": customer, "duplicates": found}
    return render(request, "frontend/customers/_duplicates_hint.html", context)


@require_http_methods(["GET", "POST"])
@agent_required
def edit(request: HttpRequest, agent: Agent, customer_id: int) -> HttpResponse:
    customer = _customer(agent, customer_id)
    if request.method == "GET":
        return _edit_response(request, agent, customer)
    if not may_change(agent):
        return _refused(request, agent)
    changes: dict[str, Any] = {name: request.POST.get(name, "").strip() for name in EDIT_FIELDS}
    try:
        changes["attributes"] = _posted_attributes(request, customer)
        organization = _organization(request.POST.get("organization", ""))
        customer = do_update_customer(customer, actor=agent, changes=changes)
        do_set_customer_organization(customer, organization, actor=agent)
    except ValueError as exc:
        return _edit_response(request, agent, _customer(agent, customer_id), error=str(exc))
    return _edit_response(request, agent, _customer(agent, customer_id), saved=_("Saved."))


def _posted_attributes(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """The attribute changes the edit form posted: defined fields from their controls (``ValueError``
    naming the label for a value that does not fit), the free-form ones typed as stored."""
    attributes: dict[str, Any] = {}
    fields = defined_fields()
    for key, field in fields.items():
        posted = request.POST.get(f"attr_{key}")
        stored = customer.attributes.get(key)
        # Unchanged values stay as they are, even one saved before the field had its type.
        if posted is not None and posted.strip() != ("" if stored is None else str(stored)):
            attributes[key] = from_text(field, posted)
    for key, value in customer.attributes.items():
        posted = request.POST.get(f"attr_{key}")
        if key in fields:
            continue
        if isinstance(value, bool):
            attributes[key] = posted == "on"
        elif posted is not None:
            attributes[key] = _typed(value, posted.strip())
    new_name = request.POST.get("new_attr_name", "").strip()
    if new_name:
        new_value = request.POST.get("new_attr_value", "").strip()
        attributes[new_name] = from_text(fields[new_name], new_value) if new_name in fields else new_value
    return attributes


def _typed(old: Any, posted: str) -> Any:
    """The posted text as the stored value's type; empty removes the attribute."""
    if posted == "":
        return None
    if isinstance(old, int | float):
        try:
            return int(posted) if isinstance(old, int) and posted.lstrip("-").isdigit() else float(posted)
        except ValueError:
            raise ValueError(_("%(value)s is not a number") % {"value": posted}) from None
    return posted


def _organization(value: str) -> Organization | None:
    if not value:
        return None
    found = Organization.objects.filter(pk=whole_number(value) or 0).first()
    if found is None:
        raise ValueError(_("This organization no longer exists."))
    return found


@require_POST
@agent_required
@changes_allowed
def add_identity(request: HttpRequest, agent: Agent, customer_id: int) -> HttpResponse:
    customer = _customer(agent, customer_id)
    kind = request.POST.get("kind", "")
    value = request.POST.get("value", "").strip()
    if kind not in (IdentityKind.EMAIL, IdentityKind.PHONE):
        return _edit_response(request, agent, customer, error=_("Choose email or phone."))
    try:
        do_add_identity(customer, kind=kind, value=value, actor=agent)
    except IdentityTaken as taken:
        owner = taken.owner_for(agent)
        if owner is None:  # outside the agent's teams: said, not named
            return _edit_response(request, agent, customer, error=taken.said_to(agent))
        return _edit_response(request, agent, customer, taken=taken, owner=owner)
    except InvalidIdentity:
        message = (
            _("%(value)s is not an email address.")
            if kind == IdentityKind.EMAIL
            else _("%(value)s is not a phone number.")
        )
        return _edit_response(request, agent, customer, error=message % {"value": value})
    return _edit_response(request, agent, customer, saved=_("Added."))


def _identity(agent: Agent, customer_id: int, identity_id: int) -> tuple[Customer, Identity]:
    customer = _customer(agent, customer_id)
    return customer, get_object_or_404(Identity, pk=identity_id, customer=customer)


@require_POST
@agent_required
@changes_allowed
def remove_identity(request: HttpRequest, agent: Agent, customer_id: int, identity_id: int) -> HttpResponse:
    customer, identity = _identity(agent, customer_id, identity_id)
    do_remove_identity(identity, actor=agent)
    return _edit_response(request, agent, customer, saved=_("Removed."))


@require_POST
@agent_required
@changes_allowed
def verify_identity(request: HttpRequest, agent: Agent, customer_id: int, identity_id: int) -> HttpResponse:
    customer, identity = _identity(agent, customer_id, identity_id)
    do_set_identity_verified(identity, verified=request.POST.get("verified") != "0", actor=agent)
    return _edit_response(request, agent, customer, saved=_("Saved."))


@require_http_methods(["GET", "POST"])
@agent_required
def merge(request: HttpRequest, agent: Agent, customer_id: int, other_id: int) -> HttpResponse:
    """Merge <other> (the source) into this customer (the target), after showing what moves."""
    target, source = _customer(agent, customer_id), _customer(agent, other_id)
    if source.pk == target.pk:
        raise Http404
    error = ""
    if request.method == "POST":
        if not may_change(agent):
            return _refused(request, agent)
        try:
            done = do_merge_into(source, target, actor=agent)
        except MergeError as exc:
            error = str(exc)
        else:
            return redirect(f"{reverse('agent_customer', args=[target.pk])}?merged={done.pk}")
    plan = merge_plan(source, target)
    tickets = source.tickets.filter(pk__in=plan.ticket_ids)
    context = {
        "plan": plan,
        "tickets": list(tickets.filter(ticket_scope(agent)).order_by("-created_at")[:50]),
        "hidden": 0 if agent.sees_everything else tickets.exclude(ticket_scope(agent)).count(),
        "error": error,
        "can_edit": may_change(agent),
        "conflicts": [(_label(c.name), _shown(c.name, c.kept), _shown(c.name, c.dropped)) for c in plan.conflicts],
        "taken": [_label(name) for name in plan.fields] + plan.attributes,
    }
    return render(request, "frontend/customers/merge.html", context, status=409 if error else 200)


def _label(name: str) -> str:
    labels = {
        "display_name": _("Name"),
        "organization_id": _("Organization"),
        "language": _("Language"),
        "timezone": _("Time zone"),
        "segment": _("Segment"),
    }
    return labels.get(name, name)


def _shown(name: str, value: Any) -> Any:
    if name == "organization_id":
        return Organization.objects.filter(pk=value).values_list("name", flat=True).first() or value
    if value is True or value is False:
        return _("yes") if value else _("no")
    return value


@require_POST
@agent_required
@changes_allowed
def undo_merge(request: HttpRequest, agent: Agent, merge_id: int) -> HttpResponse:
    done = get_object_or_404(CustomerMerge, pk=merge_id)
    _customer(agent, done.target_id)
    try:
        source = do_undo_recent_merge(done, actor=agent)
    except MergeError as exc:
        return HttpResponse(f'<p class="notice notice-error" role="alert">{escape(str(exc))}</p>', status=409)
    return redirect("agent_customer", source.pk)


def _organization_customers(agent: Agent, organization: Organization) -> QuerySet[Customer]:
    return reachable_customers(agent).filter(organization=organization, merged_into__isnull=True)


@require_GET
@agent_required
def organization_page(request: HttpRequest, agent: Agent, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.select_related("sla_policy", "key_account_manager"), pk=organization_id
    )
    customers = _organization_customers(agent, organization)
    if not agent.sees_everything and not customers.exists():
        raise Http404
    all_tickets = Ticket.objects.filter(customer__organization=organization)
    tickets = all_tickets.filter(ticket_scope(agent)).select_related("customer").order_by("-last_activity_at")[:50]
    context = {
        "organization": organization,
        "customers": customers.order_by("display_name", "pk")[:200],
        "customer_count": customers.count(),
        "tickets": list(tickets),
        "hidden": 0 if agent.sees_everything else all_tickets.exclude(ticket_scope(agent)).count(),
        "account": Account.current(),
        "is_admin": agent.is_admin and may_change(agent),
    }
    return render(request, "frontend/customers/organization.html", context)


@require_POST
@agent_required
@changes_allowed
def organizations_by_domain(request: HttpRequest, agent: Agent) -> HttpResponse:
    if not agent.is_admin:
        return HttpResponse(status=403)
    do_set_organizations_by_domain(enabled=request.POST.get("enabled") == "1", actor=agent)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/agent/organizations/") else "agent_search")
