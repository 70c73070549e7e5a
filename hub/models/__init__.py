from hub.models.automatic import AutomaticMessage
from hub.models.customers import Customer, CustomerMerge, Identity, IdentityKind, Organization
from hub.models.inbound import InboundEvent, InboundState
from hub.models.messages import Attachment, DeliveryStatus, Direction, Message, MessageKind
from hub.models.teams import Agent, ChannelSetting, Role, Team
from hub.models.tickets import Draft, EventKind, Priority, Tag, Ticket, TicketEvent, TicketStatus

__all__ = [
    "Agent",
    "Attachment",
    "AutomaticMessage",
    "ChannelSetting",
    "Customer",
    "CustomerMerge",
    "DeliveryStatus",
    "Direction",
    "Draft",
    "EventKind",
    "Identity",
    "IdentityKind",
    "InboundEvent",
    "InboundState",
    "Message",
    "MessageKind",
    "Organization",
    "Priority",
    "Role",
    "Tag",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
]
