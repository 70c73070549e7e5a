"""The customer and organization pages (``frontend.views.customers``), under ``/agent/``."""

from django.urls import path

from frontend.views import customers

urlpatterns = [
    path("customers/<int:customer_id>/", customers.customer_page, name="agent_customer"),
    path("customers/<int:customer_id>/edit/", customers.edit, name="agent_customer_edit"),
    path("customers/<int:customer_id>/duplicates/", customers.duplicates_hint, name="agent_customer_duplicates"),
    path("customers/<int:customer_id>/identities/", customers.add_identity, name="agent_customer_identity_add"),
    path(
        "customers/<int:customer_id>/identities/<int:identity_id>/remove/",
        customers.remove_identity,
        name="agent_customer_identity_remove",
    ),
    path(
        "customers/<int:customer_id>/identities/<int:identity_id>/verify/",
        customers.verify_identity,
        name="agent_customer_identity_verify",
    ),
    path("customers/<int:customer_id>/merge/<int:other_id>/", customers.merge, name="agent_customer_merge"),
    path("customers/merges/<int:merge_id>/undo/", customers.undo_merge, name="agent_customer_merge_undo"),
    path("organizations/<int:organization_id>/", customers.organization_page, name="agent_organization"),
    path("organizations/by-domain/", customers.organizations_by_domain, name="agent_organizations_by_domain"),
]
