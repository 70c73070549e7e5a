"""The only functions that change state. Views, viewsets, tasks and commands call these."""

from hub.actions.automatic import do_send_automatic
from hub.actions.customers import do_merge_customers, do_undo_merge, do_update_customer
from hub.actions.delivery import ResendError, do_resend
from hub.actions.delivery_reports import do_record_call_report, do_record_delivery_report
from hub.actions.identities import do_record_bounce, do_set_bouncing
from hub.actions.inbound import do_retry_inbound
from hub.actions.messages import (
    ChannelUnavailable,
    ReplyNotAllowed,
    SendConflict,
    do_add_note,
    do_reply,
    do_save_draft,
)
from hub.actions.presence import do_set_presence
from hub.actions.routing import do_run_rules
from hub.actions.rules import (
    do_delete_rule,
    do_reorder_rules,
    do_save_external_lookup,
    do_save_rule,
    do_set_rule_enabled,
    do_set_team_routing,
)
from hub.actions.split import MoveError, do_move_message, do_split_message
from hub.actions.surveys import do_record_survey
from hub.actions.tickets import do_assign, do_set_priority, do_set_status, do_set_tags, do_set_team

__all__ = [
    "ChannelUnavailable",
    "MoveError",
    "ReplyNotAllowed",
    "ResendError",
    "SendConflict",
    "do_add_note",
    "do_assign",
    "do_delete_rule",
    "do_merge_customers",
    "do_move_message",
    "do_record_bounce",
    "do_record_call_report",
    "do_record_delivery_report",
    "do_record_survey",
    "do_reorder_rules",
    "do_reply",
    "do_resend",
    "do_retry_inbound",
    "do_run_rules",
    "do_save_draft",
    "do_save_external_lookup",
    "do_save_rule",
    "do_send_automatic",
    "do_set_bouncing",
    "do_set_presence",
    "do_set_priority",
    "do_set_rule_enabled",
    "do_set_status",
    "do_set_tags",
    "do_set_team",
    "do_set_team_routing",
    "do_split_message",
    "do_undo_merge",
    "do_update_customer",
]
