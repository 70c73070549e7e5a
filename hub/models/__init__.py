from hub.models.customers import Customer, CustomerMerge, Identity, IdentityKind, Organization
from hub.models.inbound import InboundEvent, InboundState
from hub.models.messages import Attachment, DeliveryStatus, Direction, Message, MessageKind
from hub.models.teams import Agent, ChannelSetting, Role, Team
from hub.models.tickets import Draft, Priority, Tag, Ticket, TicketEvent, TicketStatus

__all__ = [
    "Agent",
    "Attachment",
    "ChannelSetting",
    "Customer",
    "CustomerMerge",
    "DeliveryStatus",
    "Direction",
    "Draft",
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
