from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from hub.api.macros import ApplyToTicketView, MacroViewSet
from hub.api.views.attachments import AttachmentDownloadView
from hub.api.views.calendars import BusinessCalendarViewSet
from hub.api.views.contacts import OrganizationViewSet
from hub.api.views.customers import CustomerViewSet, MergeViewSet
from hub.api.views.people import AgentViewSet, TeamViewSet
from hub.api.views.presence import PresenceView
from hub.api.views.routing import RoutingRuleViewSet
from hub.api.views.sla import SlaPolicyViewSet
from hub.api.views.tickets import TicketViewSet
from hub.api.views.webhooks import WebhookViewSet

app_name = "api-v1"

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("customers", CustomerViewSet, basename="customer")
router.register("merges", MergeViewSet, basename="merge")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("teams", TeamViewSet, basename="team")
router.register("agents", AgentViewSet, basename="agent")
# The path the routing issue names; a slash, not a dash: rules are one part of routing.
router.register("routing/rules", RoutingRuleViewSet, basename="routing-rule")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("calendars", BusinessCalendarViewSet, basename="calendar")
router.register("macros", MacroViewSet, basename="macro")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [
    *router.urls,
    path("presence/", PresenceView.as_view(), name="presence"),
    re_path(
        r"^tickets/(?P<pk>[^/]+)/macros/(?P<macro_id>[^/]+)/apply/$",
        ApplyToTicketView.as_view(),
        name="ticket-macro-apply",
    ),
    # Any id reaches the view, which answers one that is no number with a JSON 404.
    re_path(r"^attachments/(?P<pk>[^/]+)/download/$", AttachmentDownloadView.as_view(), name="attachment-download"),
]
