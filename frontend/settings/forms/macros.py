"""The form of a macro in Settings → Macros: one control per action, lists from the real teams,
agents, tags and canned replies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hub import canned
from hub.actions.macros import MacroValues
from hub.models import Agent, AssignTo, CannedReply, CannedScope, Macro, Priority, Tag, Team, TicketStatus
from hub.models.teams import ASSIGNABLE

LEAVE = ("", _("Leave as it is"))
# Minutes per unit of the snooze's duration.
UNITS = {"minutes": 1, "hours": 60, "days": 1440}


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


class MacroForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    scope = forms.ChoiceField(label=_("Who may use it"), choices=CannedScope.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    set_status = forms.ChoiceField(label=_("Set the status"), choices=[LEAVE, *TicketStatus.choices], required=False)
    set_priority = forms.TypedChoiceField(
        label=_("Set the priority"),
        choices=[LEAVE, *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    set_team = forms.ModelChoiceField(
        label=_("Move to the team"), queryset=Team.objects.all(), required=False, empty_label=_("Leave as it is")
    )
    assign = forms.ChoiceField(label=_("Assign to"), choices=AssignTo.choices, required=False)
    assignee = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=Agent.objects.filter(ASSIGNABLE).select_related("user"),
        required=False,
        help_text=_("Only with “A chosen agent”."),
    )
    add_tags = forms.MultipleChoiceField(
        label=_("Add the tags"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    new_tags = forms.CharField(
        label=_("Add new tags"), required=False, help_text=_("Tags not used yet, separated by commas.")
    )
    remove_tags = forms.MultipleChoiceField(
        label=_("Remove the tags"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    snooze_for = forms.IntegerField(
        label=_("Snooze for"),
        min_value=1,
        max_value=525_600,
        required=False,
        help_text=_("The ticket waits as pending and comes back open when the time is up."),
    )
    snooze_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))],
        initial="hours",
        required=False,
    )
    reply = forms.ModelChoiceField(
        label=_("Canned reply"),
        queryset=CannedReply.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Rendered for the ticket and put into the composer for the agent to check and send."),
    )
    send_reply = forms.BooleanField(
        label=_("Send the reply immediately"),
        required=False,
        help_text=_("Without review. A reply with an empty placeholder is left in the composer instead."),
    )

    def __init__(self, *args: Any, agent: Agent, macro: Macro | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = canned.manages_shared(agent)
        if not shared:
            # An agent keeps personal macros only; the choice is not offered.
            scope = self.fields["scope"]
            assert isinstance(scope, forms.ChoiceField)
            scope.choices = [(CannedScope.PERSONAL.value, CannedScope.PERSONAL.label)]
            self.fields["scope"].initial = CannedScope.PERSONAL
            del self.fields["team"]
        names = set(Tag.objects.values_list("name", flat=True))
        if macro is not None:
            names |= {*macro.add_tags, *macro.remove_tags}
        for name in ("add_tags", "remove_tags"):
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [(n, n) for n in sorted(names)]
        reply = self.fields["reply"]
        assert isinstance(reply, forms.ModelChoiceField)
        # Shared macros carry shared replies (``hub.macros.replies_for`` checks which fit).
        reply.queryset = (canned.listed_for(agent) if shared else canned.usable_by(agent)).order_by("title", "pk")

    @staticmethod
    def initial_of(macro: Macro) -> dict[str, Any]:
        minutes = macro.snooze_minutes or 0
        unit = next((u for u in ("days", "hours") if minutes and minutes % UNITS[u] == 0), "minutes")
        return {
            "title": macro.title,
            "scope": macro.scope,
            "team": macro.team,
            "set_status": macro.set_status,
            "set_priority": macro.set_priority or "",
            "set_team": macro.set_team,
            "assign": macro.assign,
            "assignee": macro.assignee,
            "add_tags": macro.add_tags,
            "remove_tags": macro.remove_tags,
            "snooze_for": minutes // UNITS[unit] if minutes else None,
            "snooze_unit": unit if minutes else "hours",
            "reply": macro.reply,
            "send_reply": macro.send_reply,
        }

    def values(self) -> MacroValues:
        data = self.cleaned_data
        amount = data.get("snooze_for")
        return MacroValues(
            title=data["title"],
            scope=data["scope"],
            team=data.get("team"),
            set_status=data.get("set_status") or "",
            set_priority=data.get("set_priority"),
            set_team=data.get("set_team"),
            assign=data.get("assign") or "",
            assignee=data.get("assignee"),
            add_tags=[*data.get("add_tags", []), *_tags(data.get("new_tags") or "")],
            remove_tags=list(data.get("remove_tags", [])),
            snooze_minutes=amount * UNITS.get(data.get("snooze_unit") or "minutes", 1) if amount else None,
            reply=data.get("reply"),
            send_reply=bool(data.get("send_reply")),
        )


# The field of the form that shows an error ``hub.actions.macros`` names by its own field.
ERROR_FIELDS = {"snooze_minutes": "snooze_for"}
