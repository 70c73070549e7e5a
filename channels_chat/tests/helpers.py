"""A live chat as tests outside this app need one: a widget of a team and a visitor's first
message, threaded into its ticket."""

from __future__ import annotations

from channels_chat import actions
from channels_chat.models import Widget
from channels_chat.tokens import new_visitor_token
from hub.models import Team, Ticket


def shop_widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])


def new_chat(widget: Widget, text: str = "Hallo?") -> Ticket:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor)
    actions.post_visitor_message(session, client_id="c1", text=text)
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return Ticket.objects.get(pk=ticket_id)
