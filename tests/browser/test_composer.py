"""The composer in a browser, against a real SMTP server: a reply with a file, Cc and Bcc sent
with "Send and solve" from the keyboard, and a customer's message forwarded to a colleague."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.tests.test_servers import Capture, mail, mailbox, outbox  # noqa: F401
from hub.models import Account, Agent, Draft, DraftUpload, Message, Ticket, TicketStatus
from hub.tests.images import png
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def capture(request: pytest.FixtureRequest) -> Capture:
    return request.getfixturevalue("outbox")[0]


@pytest.fixture
def ticket(mailbox: Mailbox) -> Ticket:  # noqa: F811 - the fixture above
    """Max writes to support and Anna (Cc); received in a thread of its own, as a worker would."""
    raw = mail(
        "Max <max@kunde.de>", "Lieferung", "<m1@kunde.de>", body="Wo bleibt mein Paket?", extra="Cc: anna@kunde.de\r\n"
    )

    def run() -> int:
        try:
            return ingest_now(raw, mailbox=mailbox, source="test").ticket or 0
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return Ticket.objects.get(pk=pool.submit(run).result())


def open_ticket(page: Page, ticket: Ticket) -> None:
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(page)


def test_a_file_the_line_loses_says_so_in_the_agents_language(new_page, agent: Agent, ticket: Ticket) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)
    page.route(re.compile(r"/uploads/$"), lambda route: route.abort("internetdisconnected"))

    page.locator("#composer-file").set_input_files(
        {"name": "Lieferschein.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 lieferschein"}
    )

    chip = page.locator("#composer .chip-file.is-failed")
    expect(chip).to_contain_text("der Hub war nicht erreichbar")
    expect(page.locator("#announcer")).to_have_text(
        "Lieferschein.pdf konnte nicht angehängt werden: der Hub war nicht erreichbar"
    )
    expect(page.locator("#composer input[name=upload]")).to_have_count(0)


def test_sending_with_an_attachment_and_cc(new_page, agent: Agent, ticket: Ticket, capture: Capture) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)
    composer = page.locator("#composer")

    # The customer's mail went to Anna too: Cc is open and names her.
    cc = page.get_by_label("Cc", exact=True)
    expect(cc).to_be_visible()
    expect(cc).to_have_value("anna@kunde.de")
    page.get_by_label("Bcc", exact=True).fill("revision@hub.example")

    # Two files by the button; one is taken off again before sending.
    page.locator("#composer-file").set_input_files(
        [
            {"name": "Lieferschein.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 lieferschein"},
            {"name": "falsch.txt", "mimeType": "text/plain", "buffer": b"nicht mitschicken"},
        ]
    )
    chips = composer.locator(".chip-file")
    expect(chips).to_have_count(2)
    expect(composer.locator("input[name=upload]")).to_have_count(2)
    expect(page.locator("#announcer")).to_contain_text("angehängt")
    composer.get_by_role("button", name="falsch.txt entfernen").click()
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text("Lieferschein.pdf")
    page.locator("#composer-text").fill("Anbei der Lieferschein.")
    assert_accessible(page)

    # "Send and solve" from the keyboard: the menu button opens with ↓, Enter sends.
    more = page.get_by_role("button", name="Weitere Arten zu senden")
    more.focus()
    more.press("ArrowDown")
    solve = page.get_by_role("menuitem", name="Senden und lösen")
    expect(solve).to_be_focused()
    assert_accessible(page)
    solve.press("Enter")

    expect(page.locator("#composer-text")).to_have_value("")
    expect(chips).to_have_count(0)
    reply = page.locator("#timeline article.email.out")
    expect(reply).to_contain_text("Anbei der Lieferschein.")
    expect(reply).to_contain_text("Cc: anna@kunde.de · Bcc: revision@hub.example")
    expect(reply.get_by_role("link", name="Lieferschein.pdf")).to_be_visible()
    rcpts, raw = capture.mails[-1]
    sent = message_from_bytes(raw, policy=policy.default)
    assert rcpts == ["max@kunde.de", "anna@kunde.de", "revision@hub.example"]
    assert sent["Cc"] == "anna@kunde.de" and sent["Bcc"] is None
    assert [p.get_filename() for p in sent.iter_attachments()] == ["Lieferschein.pdf"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED


def test_the_cc_bcc_toggle_closes_and_opens_the_copy_fields(new_page, agent: Agent, ticket: Ticket) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)
    toggle, cc = page.get_by_role("button", name="Cc/Bcc"), page.get_by_label("Cc", exact=True)
    expect(cc).to_be_visible()  # the customer's mail had a Cc

    toggle.click()
    expect(cc).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(cc).to_be_visible()


def test_forwarding_a_message(new_page, agent: Agent, ticket: Ticket, capture: Capture) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)
    page.locator("#composer-text").fill("Entwurf bleibt")
    first = ticket.messages.get()

    page.locator(f"#m-{first.pk}").get_by_role("button", name="Diese Nachricht weiterleiten").click()

    panel = page.locator("#forward-panel")
    expect(panel.get_by_role("heading", name="Diese Nachricht weiterleiten")).to_be_visible()
    expect(page.locator("#composer-form")).to_be_hidden()
    to = panel.get_by_label("An", exact=True)
    expect(to).to_be_focused()
    expect(panel).to_contain_text("Wo bleibt mein Paket?")
    assert_accessible(page)
    to.fill("technik@partner.example")
    panel.get_by_label("Ihre Nachricht über dem weitergeleiteten Text").fill("Bitte prüfen.")
    panel.get_by_role("button", name="Weiterleiten").click()

    expect(panel).to_be_hidden()
    expect(page.locator("#composer-text")).to_have_value("Entwurf bleibt")
    note = page.locator("#timeline article.forward")
    expect(note).to_contain_text("Weitergeleitet an technik@partner.example")
    expect(note).to_contain_text("Bitte prüfen.")
    rcpts, raw = capture.mails[-1]
    sent = message_from_bytes(raw, policy=policy.default)
    assert rcpts == ["technik@partner.example"]
    assert sent["Subject"] == "WG: Lieferung"
    assert not Message.objects.filter(ticket=ticket, kind="message", direction="out").exists()


def test_a_pasted_screenshot_and_a_dropped_file_are_attached(new_page, agent: Agent, ticket: Ticket) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)

    page.locator("#composer-text").focus()
    page.evaluate(
        """() => {
          const paste = new DataTransfer();
          paste.items.add(new File([new Uint8Array([137, 80, 78, 71])], "screenshot.png", {type: "image/png"}));
          document.getElementById("composer-text").dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: paste, bubbles: true, cancelable: true}));
          const drop = new DataTransfer();
          drop.items.add(new File(["Hallo"], "notiz.txt", {type: "text/plain"}));
          const target = document.getElementById("composer-text");
          target.dispatchEvent(new DragEvent("dragover", {dataTransfer: drop, bubbles: true, cancelable: true}));
          target.dispatchEvent(new DragEvent("drop", {dataTransfer: drop, bubbles: true, cancelable: true}));
        }"""
    )

    chips = page.locator("#composer .chip-file")
    expect(chips).to_have_count(2)
    expect(page.locator("#composer input[name=upload]")).to_have_count(2)
    expect(page.locator("#composer-text")).to_have_value("")
    assert sorted(u.filename for u in DraftUpload.objects.filter(ticket=ticket, agent=agent)) == [
        "notiz.txt",
        "screenshot.png",
    ]


def test_formatting_an_email_reply(new_page, agent: Agent, ticket: Ticket, capture: Capture) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)

    page.get_by_role("button", name="Formatierung").click()
    editor = page.get_by_role("textbox", name="Nachricht")
    expect(editor).to_be_focused()
    expect(page.locator("#composer-text")).to_be_hidden()
    editor.press("Control+b")
    editor.press_sequentially("Wichtig")
    editor.press("Control+b")
    editor.press_sequentially(": morgen kommt es.")
    editor.press("Enter")
    page.get_by_role("button", name="Aufzählung").click()
    editor.press_sequentially("Paket eins")
    for _ in "eins":
        editor.press("Shift+ArrowLeft")
    page.once("dialog", lambda dialog: dialog.accept("https://acme.example/paket"))
    page.get_by_role("button", name="Link einfügen").click()
    assert_accessible(page)
    editor.press("Control+Enter")

    expect(page.locator("#composer-text")).to_have_value("")
    expect(editor).to_be_empty()
    reply = ticket.messages.get(direction="out")
    assert "<b>Wichtig</b>" in reply.html
    assert '<li>Paket <a href="https://acme.example/paket" rel="noopener noreferrer">eins</a></li>' in reply.html
    assert reply.text.startswith("Wichtig: morgen kommt es.")
    sent = message_from_bytes(capture.mails[-1][1], policy=policy.default)
    html = sent.get_body(("html",))
    assert html is not None and "<b>Wichtig</b>" in html.get_content()


# A file given to the editor as a user's paste or drop would: (kind, bytes, name, x, y).
GIVE_IMAGE = """([kind, bytes, name]) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], name, {type: "image/png"}));
  const editor = document.getElementById("composer-rich");
  if (kind === "paste") {
    editor.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    return;
  }
  const box = editor.getBoundingClientRect();
  const at = {dataTransfer: data, bubbles: true, cancelable: true, clientX: box.right - 4, clientY: box.bottom - 4};
  editor.dispatchEvent(new DragEvent("dragover", at));
  editor.dispatchEvent(new DragEvent("drop", at));
}"""


def test_an_image_pasted_into_a_formatted_reply_survives_a_reload_and_goes_out_inside_the_mail(
    new_page, agent: Agent, ticket: Ticket, capture: Capture
) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)
    draft_saved = f"**/agent/t/{ticket.pk}/draft/"

    page.get_by_label("Bcc", exact=True).fill("revision@hub.example")
    page.get_by_role("button", name="Formatierung").click()
    editor = page.get_by_role("textbox", name="Nachricht")
    with page.expect_response(draft_saved):
        editor.press_sequentially("Hier der Kratzer:")
    editor.press("Enter")

    # Pasted at the cursor: shown at once, then from the agent's own upload.
    with page.expect_response(draft_saved):
        page.evaluate(GIVE_IMAGE, ["paste", list(png()), "kratzer.png"])
        image = editor.locator("img")
        expect(image).to_have_attribute("src", re.compile(rf"^/agent/t/{ticket.pk}/uploads/\d+/$"))
    expect(page.locator("#announcer")).to_contain_text("Bild kratzer.png eingefügt")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 4
    # A second one dropped on the text, and taken out again before sending.
    with page.expect_response(draft_saved):
        page.evaluate(GIVE_IMAGE, ["drop", list(png(rgb=(0, 0, 200))), "falsch.png"])
        expect(editor.locator("img:not(.is-uploading)")).to_have_count(2)
    with page.expect_response(draft_saved):
        editor.locator("img").nth(1).evaluate(
            "img => { img.remove(); document.getElementById('composer-rich').dispatchEvent("
            "new InputEvent('input', {bubbles: true, inputType: 'deleteContentBackward'})); }"
        )
    assert Draft.objects.get(ticket=ticket, agent=agent).html.count("<img") == 1
    expect(page.locator("#composer .chip-file")).to_have_count(0)

    # The agent comes back: text, image and Bcc as they left them.
    page.reload()
    live(page)
    editor = page.get_by_role("textbox", name="Nachricht")
    expect(editor).to_contain_text("Hier der Kratzer:")
    expect(editor.locator("img")).to_have_count(1)
    expect(page.get_by_role("button", name="Formatierung")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Bcc", exact=True)).to_have_value("revision@hub.example")
    expect(page.locator("#composer-status")).to_have_text("Entwurf wiederhergestellt")
    assert_accessible(page)
    editor.press("Control+Enter")

    expect(editor).to_be_empty()
    reply = page.locator("#timeline article.email.out")
    shown = reply.frame_locator("iframe.email-body").locator("img")
    expect(shown).to_have_attribute("src", re.compile(r"^/api/v1/attachments/\d+/download/$"))
    assert shown.evaluate("img => img.complete && img.naturalWidth") == 4
    assert_accessible(page)

    rcpts, raw = capture.mails[-1]
    sent = message_from_bytes(raw, policy=policy.default)
    assert rcpts == ["max@kunde.de", "anna@kunde.de", "revision@hub.example"]
    assert [p.get_content_type() for p in sent.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    picture = next(p for p in sent.walk() if p.get_content_type() == "image/png")
    html = sent.get_body(("html",))
    assert html is not None and f'src="cid:{picture["Content-ID"].strip("<>")}"' in html.get_content()
    assert picture.get_content() == png() and picture.get_filename() == "kratzer.png"
    assert list(sent.iter_attachments()) == []


def test_the_image_button_inserts_at_the_cursor_and_a_file_that_is_no_image_is_attached_or_refused(
    new_page, agent: Agent, ticket: Ticket
) -> None:
    page = new_page(agent)
    open_ticket(page, ticket)
    page.get_by_role("button", name="Formatierung").click()
    editor = page.get_by_role("textbox", name="Nachricht")
    editor.press_sequentially("vorher nachher")
    for _ in " nachher":
        editor.press("ArrowLeft")

    page.get_by_role("button", name="Bild einfügen").click()
    page.locator("#composer-image").set_input_files({"name": "foto.png", "mimeType": "image/png", "buffer": png()})

    image = editor.locator("img")
    expect(image).to_have_attribute("src", re.compile(r"/uploads/\d+/$"))
    assert "vorher[Bild] nachher" in editor.evaluate("e => e.innerHTML.replace(/<img[^>]*>/, '[Bild]')")
    # Bytes that are no image are refused with the reason; a document dropped on the text is attached.
    page.locator("#composer-image").set_input_files(
        {"name": "kaputt.png", "mimeType": "image/png", "buffer": b"<html>kein Bild</html>"}
    )
    expect(page.locator("#composer-notice")).to_contain_text(
        "Bild kaputt.png konnte nicht eingefügt werden: Im Text sind nur Bilder im Format PNG, JPEG, GIF und WebP"
    )
    page.evaluate(
        """() => {
          const data = new DataTransfer();
          data.items.add(new File(["%PDF-1.4"], "lieferschein.pdf", {type: "application/pdf"}));
          const editor = document.getElementById("composer-rich");
          editor.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }"""
    )
    expect(page.locator("#composer .chip-file")).to_have_text(re.compile("lieferschein.pdf"))
    expect(image).to_have_count(1)
    assert_accessible(page)
    assert [(u.filename, u.inline) for u in DraftUpload.objects.filter(ticket=ticket).order_by("pk")] == [
        ("foto.png", True),
        ("lieferschein.pdf", False),
    ]


def test_an_email_reply_waits_out_its_undo_window_and_undone_nothing_is_sent(
    new_page, agent: Agent, ticket: Ticket, capture: Capture
) -> None:
    Account.objects.filter(pk=1).update(undo_send_seconds=30)
    page = new_page(agent)
    page.clock.install()
    open_ticket(page, ticket)
    text = page.locator("#composer-text")
    notice = page.locator("#composer-notice")
    text.fill("Das Paket ist unterwegs.")
    text.press("Control+Enter")

    expect(notice).to_contain_text(re.compile(r"Wird in (30|29) s gesendet"))
    expect(page.locator("#announcer")).to_contain_text("Ihre Antwort geht in 30 Sekunden hinaus.")
    assert_accessible(page)
    page.clock.fast_forward(10_000)  # the clock also runs as it does: an axe check takes a moment
    expect(notice).to_contain_text(re.compile(r"Wird in (20|1\d) s gesendet"))
    notice.get_by_role("button", name="Rückgängig").click()

    expect(notice).not_to_contain_text("Wird in")
    expect(page.locator("#announcer")).to_contain_text("Nicht gesendet. Ihr Text ist noch im Editor.")
    expect(text).to_have_value("Das Paket ist unterwegs.")
    expect(text).to_be_focused()
    page.clock.fast_forward(40_000)
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()
    assert capture.mails == []

    # Again, as "Send and solve": the menu's choice goes with the reply when the window ends.
    page.get_by_role("button", name="Weitere Arten zu senden").click()
    page.get_by_role("menuitem", name="Senden und lösen").click()
    expect(notice).to_contain_text("Wird in")
    page.clock.fast_forward(30_000)

    expect(text).to_have_value("")
    expect(page.locator("#timeline article.email.out")).to_contain_text("Das Paket ist unterwegs.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert [m.text for m in Message.objects.filter(ticket=ticket, direction="out")] == ["Das Paket ist unterwegs."]

    # Moving on inside the window sends at once: a reply sent is never lost by opening the list.
    text.fill("Nachtrag: die Sendungsnummer folgt.")
    text.press("Control+Enter")
    expect(notice).to_contain_text("Wird in")
    page.locator("#nav a.nav-link[data-view=mine]").click()
    expect(page).to_have_url(re.compile(r"/agent/v/mine/$"))
    for _ in range(50):
        if Message.objects.filter(ticket=ticket, direction="out").count() == 2:
            break
        page.wait_for_timeout(100)
    sent = Message.objects.filter(ticket=ticket, direction="out").order_by("pk")
    assert [m.text for m in sent] == ["Das Paket ist unterwegs.", "Nachtrag: die Sendungsnummer folgt."]


def test_while_a_reply_waits_escape_undoes_single_keys_wait_and_leaving_the_page_sends_it(
    new_page, agent: Agent, ticket: Ticket
) -> None:
    Account.objects.filter(pk=1).update(undo_send_seconds=30)
    page = new_page(agent)
    open_ticket(page, ticket)
    text = page.locator("#composer-text")
    reply_mode = page.locator("#composer-form input[name=mode][value=reply]")
    text.fill("Wir schicken Ersatz.")
    text.press("Control+Enter")
    undo = page.get_by_role("button", name="Rückgängig")
    expect(undo).to_be_focused()

    page.keyboard.press("n")  # "note" would turn the waiting email into an internal note
    page.keyboard.press("Escape")  # undo, not "back to the list" (which would send it)

    expect(undo).to_have_count(0)
    expect(reply_mode).to_be_checked()
    expect(text).to_have_value("Wir schicken Ersatz.")
    expect(page).to_have_url(re.compile(rf"/agent/v/teams/t/{ticket.pk}/$"))
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()

    text.press("Control+Enter")
    expect(undo).to_be_focused()
    page.goto("/agent/v/mine/")  # the page goes: a beacon takes the reply

    for _ in range(50):
        if Message.objects.filter(ticket=ticket, direction="out").exists():
            break
        page.wait_for_timeout(100)
    assert [m.text for m in Message.objects.filter(ticket=ticket, direction="out")] == ["Wir schicken Ersatz."]
    assert not Draft.objects.filter(ticket=ticket, agent=agent).exists()
