"""The agent workspace in a real browser: login, deep links and history, live updates from
the pipeline, drafts that survive a reload, and sending with Ctrl+Enter."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, WebSocketRoute, expect

from hub.models import Agent, Draft, Team, Ticket
from hub.pipeline import receive
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload
from tests.browser.axe import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def live(page: Page) -> None:
    """Wait until the page's websocket is subscribed, so events from now on reach it."""
    expect(page.locator("body")).to_have_attribute("data-live", "open")


def incoming(email: str, text: str, external_id: str, **extra: object) -> Ticket:
    """A customer writes: the fake provider's message goes through the real pipeline.

    It runs in a thread of its own, as a worker would: this thread runs Playwright's event
    loop, where the pipeline's on-commit websocket push (async_to_sync) is not allowed.
    """

    def run() -> int:
        try:
            event, _ = receive("fake", external_id, payload(email=email, text=text, team="support", **extra))
            event.refresh_from_db()
            assert event.ticket_id is not None, event.error
            return event.ticket_id
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        ticket_id = pool.submit(run).result()
    return Ticket.objects.get(pk=ticket_id)


def test_an_agent_signs_in_and_lands_on_their_tickets(new_page, agent: Agent, team: Team) -> None:
    TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")
    page = new_page()

    page.goto("/")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.screenshot(path=str(SHOTS / "login.png"))
    assert_accessible(page)
    page.get_by_label("Benutzername").fill(agent.user.username)
    page.get_by_label("Passwort").fill("correct horse battery")
    page.get_by_role("button", name="Anmelden").click()

    expect(page).to_have_url(re.compile(r"/agent/v/mine/$"))
    expect(page.locator("#list")).to_contain_text("Lieferung fehlt")
    expect(page.locator("#nav")).to_contain_text("Meine")
    assert_accessible(page)


def test_a_deep_link_back_and_reload_show_the_same_ticket(new_page, agent: Agent, team: Team) -> None:
    first = TicketFactory.create(team=team, assignee=agent, subject="Rechnung doppelt")
    second = TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")
    MessageFactory.create(ticket=first, channel="chat", text="Ich wurde zweimal belastet.")
    MessageFactory.create(ticket=second, channel="chat", text="Mein Paket ist nicht da.")
    page = new_page(agent)

    page.goto(f"/agent/v/mine/t/{first.pk}/")
    expect(page.locator("#ticket-title")).to_contain_text("Rechnung doppelt")
    expect(page.locator("#timeline")).to_contain_text("Ich wurde zweimal belastet.")

    page.locator(f"#list .row[data-ticket-id='{second.pk}'] a").click()
    expect(page).to_have_url(re.compile(rf"/agent/v/mine/t/{second.pk}/$"))
    expect(page.locator("#ticket-title")).to_contain_text("Lieferung fehlt")
    expect(page).to_have_title(re.compile(rf"^\(2\) #{second.pk} Lieferung fehlt"))
    expect(page.locator(f"#list .row[data-ticket-id='{second.pk}'] a")).to_have_attribute("aria-current", "page")
    expect(page.locator("#ticket-title")).to_be_focused()
    assert_accessible(page)

    page.go_back()
    expect(page).to_have_url(re.compile(rf"/agent/v/mine/t/{first.pk}/$"))
    expect(page.locator("#ticket-title")).to_contain_text("Rechnung doppelt")
    expect(page.locator("#timeline")).to_contain_text("Ich wurde zweimal belastet.")

    page.reload()
    expect(page.locator("#ticket-title")).to_contain_text("Rechnung doppelt")
    expect(page.locator(f"#list .row[data-ticket-id='{first.pk}'] a")).to_have_attribute("aria-current", "page")


def test_messages_from_the_pipeline_appear_live_in_the_list_and_the_open_timeline(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    page = new_page(agent)
    page.goto(f"/agent/v/unassigned/t/{ticket.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Wo ist mein Paket?")
    live(page)

    incoming("max@example.de", "Hallo? Noch jemand da?", "m-2", ticket_id=ticket.pk)
    other = incoming("erika@example.de", "Falsche Größe geliefert", "m-3", subject="Umtausch")

    expect(page.locator("#timeline")).to_contain_text("Hallo? Noch jemand da?")
    expect(page.locator(f"#list .row[data-ticket-id='{other.pk}']")).to_contain_text("Umtausch")
    expect(page.locator("#count-unassigned")).to_have_text("2")
    expect(page.locator("#announcer")).to_contain_text("Neue Nachricht")
    # Appended once, not twice, although the event reached the page through two groups.
    expect(page.locator("#timeline [data-message-id]")).to_have_count(2)
    assert_accessible(page)


def test_a_ticket_that_arrives_while_the_list_is_being_drawn_still_appears(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    page = new_page(agent)
    page.goto("/agent/v/unassigned/")
    live(page)
    # htmx sets up a region it drew only once the swap settles (20 ms); stretched here so that the
    # second ticket's live event surely comes in between, as it can in a busy hour.
    page.evaluate("htmx.config.defaultSettleDelay = 1500")

    incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    expect(page.locator("#list.htmx-settling")).to_contain_text("Lieferung fehlt")
    incoming("erika@example.de", "Falsche Größe geliefert", "m-2", subject="Umtausch")

    expect(page.locator("#list")).to_contain_text("Umtausch")
    expect(page.locator("#list")).to_contain_text("Lieferung fehlt")


def test_a_draft_survives_a_reload(new_page, agent: Agent, team: Team, fake_channel: FakeChannel) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wann kommt die Ware?")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")

    page.locator("#composer-text").fill("Guten Tag, die Ware ist")
    expect(page.locator("#composer-status")).to_contain_text("Entwurf gespeichert")
    page.reload()

    expect(page.locator("#composer-text")).to_have_value("Guten Tag, die Ware ist")
    assert_accessible(page)
    assert Draft.objects.get(ticket=ticket, agent=agent).text == "Guten Tag, die Ware ist"


def my_question_open(new_page, agent: Agent, team: Team) -> Page:
    """The agent's own ticket, where a customer asked on the fake channel, open and live."""
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wann kommt die Ware?")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    return page


def test_enter_is_a_newline_and_ctrl_enter_sends_the_reply(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    page = my_question_open(new_page, agent, team)
    expect(page.get_by_role("button", name=re.compile("Senden an"))).to_be_visible()

    box = page.locator("#composer-text")
    box.click()
    box.press_sequentially("Guten Tag,")
    box.press("Enter")
    box.press_sequentially("sie kommt morgen.")
    expect(box).to_have_value("Guten Tag,\nsie kommt morgen.")
    box.press("Control+Enter")

    reply = page.locator("#timeline article.bubble.out[data-message-id]")
    expect(reply).to_contain_text("sie kommt morgen.")
    expect(reply).to_have_count(1)
    expect(box).to_have_value("")
    assert [s["text"] for s in fake_channel.sent] == ["Guten Tag,\nsie kommt morgen."]
    assert_accessible(page)


def test_a_reply_the_line_loses_says_it_was_not_sent_and_keeps_the_text_to_send_again(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    page = my_question_open(new_page, agent, team)
    send = re.compile(r"/send/$")
    page.route(send, lambda route: route.abort("internetdisconnected"))

    box = page.locator("#composer-text")
    box.fill("Sie kommt morgen.")
    box.press("Control+Enter")

    notice = page.locator("#composer-notice .notice-error")
    expect(notice).to_have_text(
        "Nicht gesendet: Der Hub war nicht erreichbar. Ihr Text bleibt erhalten; senden Sie ihn erneut, "
        "sobald die Verbindung wieder steht."
    )
    expect(box).to_have_value("Sie kommt morgen.")
    expect(page.locator("#timeline article.bubble.out")).to_have_count(0)
    assert_accessible(page)

    # The hub failing on it is said apart from a line that never reached it.
    page.unroute(send)
    page.route(send, lambda route: route.fulfill(status=500, body="Server Error"))
    box.press("Control+Enter")
    expect(notice).to_have_text(
        "Nicht gesendet: Im Hub ist ein Fehler aufgetreten. Ihr Text bleibt erhalten; "
        "versuchen Sie es gleich noch einmal."
    )
    expect(box).to_have_value("Sie kommt morgen.")

    page.unroute(send)
    box.press("Control+Enter")
    expect(page.locator("#timeline article.bubble.out[data-message-id]")).to_contain_text("Sie kommt morgen.")
    expect(notice).to_have_count(0)
    assert [s["text"] for s in fake_channel.sent] == ["Sie kommt morgen."]


def test_an_internal_note_is_marked_as_such(new_page, agent: Agent, team: Team, fake_channel: FakeChannel) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")

    page.get_by_role("radio", name="Interne Notiz").check()
    expect(page.locator("#composer")).to_have_class(re.compile("mode-note"))
    page.locator("#composer-text").fill("Kunde ist Stammkunde")
    page.get_by_role("button", name="Notiz speichern").click()

    note = page.locator("#timeline .note")
    expect(note).to_contain_text("Kunde ist Stammkunde")
    expect(note).to_contain_text("Interne Notiz")
    assert fake_channel.sent == []
    # The composer stays in note mode, with its own colours.
    assert_accessible(page)


def test_the_workspace_renders_a_full_conversation(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    colleague = AgentFactory.create(teams=[team], user__first_name="Tom", user__last_name="Berger")
    ticket = incoming(
        "max@example.de",
        "Guten Tag,\nmein Paket ist seit einer Woche unterwegs.",
        "m-1",
        subject="Lieferung fehlt",
        name="Max Mustermann",
    )
    MessageFactory.create(
        ticket=ticket,
        channel="email",
        subject="Re: Lieferung fehlt",
        sender="Max Mustermann",
        text="Die Sendungsnummer ist 0034.",
        html="<p>Hallo,</p><p>die Sendungsnummer ist <b>0034</b>.</p>",
        quoted_text="> Guten Tag, wir prüfen das.",
    )
    MessageFactory.create(
        ticket=ticket,
        channel="internal",
        kind="note",
        direction="out",
        author_agent=colleague,
        author_customer=None,
        text="Beim Versanddienst nachgefragt.",
    )
    incoming("max@example.de", "Ist das Paket verloren?", "m-2", ticket_id=ticket.pk)
    for i, (subject, email) in enumerate(
        [
            ("Rechnung doppelt", "lisa@example.de"),
            ("Umtausch Größe M", "jan@example.de"),
            ("Frage zur Garantie", "eva@example.de"),
        ]
    ):
        incoming(email, "Können Sie mir helfen?", f"o-{i}", subject=subject)
    Ticket.objects.filter(subject="Rechnung doppelt").update(assignee=colleague, priority=3)
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    page.locator("#composer-text").fill("Guten Tag Herr Mustermann,\nich sehe nach.")
    expect(page.locator("#composer-status")).to_contain_text("Entwurf gespeichert")

    expect(page.locator("#nav")).to_be_visible()
    expect(page.locator("#customer")).to_contain_text("max@example.de")
    expect(page.locator(".row .chip.prio-3")).to_have_text("Hoch")
    # For a person to look at: test-results/ is ignored by git.
    page.screenshot(path=str(SHOTS / "workspace.png"))
    assert_accessible(page)
    expect(page.locator("#m-" + str(ticket.messages.filter(channel="email").get().pk) + " iframe")).to_have_attribute(
        "style", re.compile(r"height: \d+px")
    )

    # Below 1024 px list and ticket become master and detail on the same URLs.
    page.set_viewport_size({"width": 800, "height": 900})
    expect(page.locator("#list")).to_be_hidden()
    expect(page.get_by_role("link", name="Zurück zur Liste")).to_be_visible()
    expect(page.locator("#customer")).to_be_hidden()
    page.get_by_role("button", name="Kunde").click()
    expect(page.locator("#customer")).to_contain_text("max@example.de")
    page.screenshot(path=str(SHOTS / "workspace-narrow.png"))
    assert_accessible(page)


class Switchboard:
    """Stands between the page and the hub's websocket, so a test can cut the connection."""

    def __init__(self, page: Page) -> None:
        self.down = False
        self.routes: list[WebSocketRoute] = []
        page.route_web_socket(re.compile(r"/ws/agent/$"), self._handle)

    def _handle(self, ws: WebSocketRoute) -> None:
        if self.down:
            ws.close()
            return
        ws.connect_to_server()
        self.routes.append(ws)

    def cut(self) -> None:
        self.down = True
        for ws in self.routes:
            ws.close()
        self.routes.clear()

    def restore(self) -> None:
        self.down = False


def test_a_cut_connection_pauses_live_updates_and_catches_up_after_reconnecting(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    page = new_page(agent)
    line = Switchboard(page)
    page.goto(f"/agent/v/unassigned/t/{ticket.pk}/")
    live(page)

    line.cut()
    expect(page.locator("#live-status")).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("Live-Updates pausiert")
    assert_accessible(page)
    incoming("max@example.de", "Geschrieben, während die Verbindung weg war", "m-2", ticket_id=ticket.pk)
    later = incoming("erika@example.de", "Neue Anfrage in der Pause", "m-3", subject="Umtausch")
    line.restore()

    live(page)
    expect(page.locator("#live-status")).to_be_hidden()
    expect(page.locator("#timeline")).to_contain_text("Geschrieben, während die Verbindung weg war")
    expect(page.locator(f"#list .row[data-ticket-id='{later.pk}']")).to_be_visible()


def test_a_send_is_held_when_the_customer_wrote_meanwhile_and_can_go_out_anyway(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    page = new_page(agent)
    line = Switchboard(page)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    # The agent does not see what arrives next: their connection is down.
    line.cut()
    expect(page.locator("#live-status")).to_be_visible()
    incoming("max@example.de", "Hat sich erledigt, es ist da!", "m-2", ticket_id=ticket.pk)

    box = page.locator("#composer-text")
    box.fill("Wir schicken Ihnen ein neues Paket.")
    box.press("Control+Enter")

    notice = page.locator("#composer-notice")
    expect(notice).to_contain_text("Hat sich erledigt, es ist da!")
    expect(box).to_have_value("Wir schicken Ihnen ein neues Paket.")
    assert fake_channel.sent == []
    assert_accessible(page)

    notice.get_by_role("button", name="Trotzdem senden").click()

    expect(page.locator("#timeline article.bubble.out[data-message-id]")).to_contain_text("ein neues Paket")
    expect(box).to_have_value("")
    assert [s["text"] for s in fake_channel.sent] == ["Wir schicken Ihnen ein neues Paket."]


def test_the_draft_keeps_its_text_and_focus_when_a_colleague_reassigns_the_ticket(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    from hub.actions import do_assign

    colleague = AgentFactory.create(teams=[team], user__first_name="Tom", user__last_name="Berger")
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake", subject="Lieferung fehlt")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wann kommt die Ware?")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    box = page.locator("#composer-text")
    box.click()
    box.press_sequentially("Halb geschrieben")

    def reassign() -> None:  # as another agent's request would, off Playwright's event loop
        try:
            do_assign(ticket, colleague, actor=colleague)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(reassign).result()

    expect(page.locator("#ticket-header select[name=assignee] option:checked")).to_have_text("Tom Berger · Offline")
    # No longer "mine", but still open here: its row stays, greyed and saying so (UX.md, section 6).
    row = page.locator(f"#list .row[data-ticket-id='{ticket.pk}']")
    expect(row).to_have_class(re.compile(r"\bis-gone\b"))
    expect(row).to_contain_text("Nicht mehr in dieser Ansicht")
    expect(page.locator("#ticket-title")).to_contain_text("Lieferung fehlt")
    expect(box).to_have_value("Halb geschrieben")
    expect(box).to_be_focused()
    assert_accessible(page)


def test_a_rule_that_notifies_an_agent_shows_them_a_notice_linking_the_ticket(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    from hub.models import RoutingRule

    RoutingRule.objects.create(
        name="Großkunde",
        triggers=["ticket_created"],
        conditions=[{"field": "from", "op": "contains", "value": "@mueller.example"}],
        actions=[{"type": "notify", "value": {"agents": [agent.pk]}}],
    )
    page = new_page(agent)
    page.goto("/")
    live(page)

    ticket = incoming("einkauf@mueller.example", "Bitte dringend zurückrufen", "m-n1", subject="Rahmenvertrag <2027>")

    notice = page.locator("#rule-notices .rule-notice")
    expect(notice).to_have_count(1)
    expect(notice.locator("a")).to_have_text(f"Regel „Großkunde“ bittet Sie, Ticket #{ticket.pk} anzusehen")
    expect(notice.locator("a")).to_have_attribute("href", f"/agent/t/{ticket.pk}/")
    # The subject is shown as text: its angle brackets are not markup.
    expect(notice.locator(".rule-notice-subject")).to_have_text("Rahmenvertrag <2027>")
    assert_accessible(page)
    notice.get_by_role("button", name="Schließen").click()
    expect(notice).to_have_count(0)


def test_the_compact_list_puts_a_ticket_on_one_line_and_stays_so(new_page, agent: Agent, team: Team) -> None:
    for n in range(3):
        ticket = TicketFactory.create(team=team, assignee=agent, subject=f"Lieferung {n} fehlt")
        MessageFactory.create(ticket=ticket, text="Wo bleibt meine Bestellung? " * 5)
    page: Page = new_page(agent)
    page.goto("/agent/v/mine/")
    row = page.locator("#list .row").first
    expect(row).to_be_visible()
    roomy = row.bounding_box()

    toggle = page.get_by_role("button", name="Kompakt")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()

    expect(page.locator("#list")).to_have_class(re.compile(r"\bis-compact\b"))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    compact = row.bounding_box()
    assert roomy is not None and compact is not None and compact["height"] < roomy["height"] * 0.7
    assert_accessible(page)
    for _ in range(50):  # the choice is saved in the background
        if Agent.objects.get(pk=agent.pk).compact_list:
            break
        page.wait_for_timeout(100)

    page.reload()
    expect(page.locator("#list")).to_have_class(re.compile(r"\bis-compact\b"))
    expect(page.get_by_role("button", name="Kompakt")).to_have_attribute("aria-pressed", "true")
