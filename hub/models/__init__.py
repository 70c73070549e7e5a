from hub.models.account import Account
from hub.models.audit import AuditEntry
from hub.models.automatic import AutomaticMessage
from hub.models.calendars import BusinessCalendar
from hub.models.canned import CannedReply, CannedScope
from hub.models.customer_fields import CustomerField, FieldType
from hub.models.customers import Customer, CustomerMerge, Identity, IdentityKind, Organization
from hub.models.inbound import InboundEvent, InboundState
from hub.models.invitations import Invitation
from hub.models.links import LinkKind, TicketLink
from hub.models.macros import AssignTo, Macro, TicketSnooze
from hub.models.messages import Attachment, DeliveryStatus, Direction, Message, MessageKind
from hub.models.notifications import Notification, NotificationKind, NotificationSettings
from hub.models.routing import (
    ExternalLookup,
    Match,
    RoutingRule,
    RuleSetVersion,
    Strategy,
    TeamRouting,
    TimerFiring,
    Trigger,
)
from hub.models.search import TicketSearch
from hub.models.seen import TicketSeen
from hub.models.sla import SlaClock, SlaOutcome, SlaPolicy, SlaState, SlaTarget
from hub.models.teams import Agent, ChannelSetting, Role, Skill, Team
from hub.models.tickets import Draft, EventKind, Priority, Tag, Ticket, TicketEvent, TicketStatus
from hub.models.tokens import ApiToken, Scope
from hub.models.uploads import DraftUpload
from hub.models.views import SavedView
from hub.models.webhooks import DeliveryState, Webhook, WebhookDelivery, WebhookTopic

__all__ = [
    "Account",
    "Agent",
    "ApiToken",
    "AssignTo",
    "Attachment",
    "AuditEntry",
    "AutomaticMessage",
    "BusinessCalendar",
    "CannedReply",
    "CannedScope",
    "ChannelSetting",
    "Customer",
    "CustomerField",
    "CustomerMerge",
    "DeliveryState",
    "DeliveryStatus",
    "Direction",
    "Draft",
    "DraftUpload",
    "EventKind",
    "ExternalLookup",
    "FieldType",
    "Identity",
    "IdentityKind",
    "InboundEvent",
    "InboundState",
    "Invitation",
    "LinkKind",
    "Macro",
    "Match",
    "Message",
    "MessageKind",
    "Notification",
    "NotificationKind",
    "NotificationSettings",
    "Organization",
    "Priority",
    "Role",
    "RoutingRule",
    "RuleSetVersion",
    "SavedView",
    "Scope",
    "Skill",
    "SlaClock",
    "SlaOutcome",
    "SlaPolicy",
    "SlaState",
    "SlaTarget",
    "Strategy",
    "Tag",
    "Team",
    "TeamRouting",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "TicketSearch",
    "TicketSeen",
    "TicketSnooze",
    "TicketStatus",
    "TimerFiring",
    "Trigger",
    "Webhook",
    "WebhookDelivery",
    "WebhookTopic",
]
