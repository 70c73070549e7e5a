"""An HTML mail's frame stops where its quoted history begins, for the mailers agents meet."""

from __future__ import annotations

import pytest

from frontend.mail_quote import html_without_quote

GMAIL = (
    '<div dir="ltr">Any news on this?</div><br><div>On Mon, 3 Mar 2025 at 10:00, Max wrote:'
    "<blockquote>Ich habe sie immer noch nicht erhalten.</blockquote></div>",
    "On Mon, 3 Mar 2025 at 10:00, Max Mustermann <max@kunde.de> wrote:\n> Ich habe sie immer noch nicht erhalten.",
    '<div dir="ltr">Any news on this?</div><br>',
)
APPLE = (
    "<div>Danke, ist angekommen!</div><div><br><blockquote><div>Am 03.03.2025 um 10:00 schrieb "
    "Max Mustermann &lt;max@kunde.de&gt;:</div><br><div>Any news on this?</div></blockquote></div>",
    "> Am 03.03.2025 um 10:00 schrieb Max Mustermann <max@kunde.de>:\n>\n> Any news on this?",
    "<div>Danke, ist angekommen!</div>",
)
OUTLOOK = (
    "<div><p>Ich habe sie immer noch nicht erhalten.</p>\n<p>&nbsp;</p>\n<div><div><p><b>Von:</b> "
    "Max Mustermann &lt;max@kunde.de&gt;<br><b>Gesendet:</b> Montag, 3. März 2025 10:00</p></div></div>"
    "<p>Hallo, mir fehlt die Rechnung.</p></div>",
    "Von: Max Mustermann <max@kunde.de>\nGesendet: Montag, 3. März 2025 10:00\n\nHallo, mir fehlt die Rechnung.",
    "<div><p>Ich habe sie immer noch nicht erhalten.</p>\n<p>&nbsp;</p>\n",
)


@pytest.mark.parametrize(("html", "quoted", "shown"), [GMAIL, APPLE, OUTLOOK], ids=["gmail", "apple", "outlook"])
def test_the_frame_of_a_reply_ends_before_the_history_it_quotes(html: str, quoted: str, shown: str) -> None:
    assert html_without_quote(html, quoted) == shown


def test_html_that_does_not_show_the_quote_is_kept_whole() -> None:
    html = "<p>Bitte rufen Sie mich an.</p>"
    assert html_without_quote(html, "Am 01.01.2025 schrieb Erika Muster:\n> Hallo") == html
    assert html_without_quote(html, "") == html


def test_a_mail_that_is_only_a_quote_keeps_its_text() -> None:
    html = "<blockquote>Am 01.01.2025 schrieb Erika Muster: Hallo</blockquote>"
    assert html_without_quote(html, "Am 01.01.2025 schrieb Erika Muster:\n> Hallo") == html


def test_the_history_past_the_quotes_first_words_is_not_read_so_broken_markup_there_changes_nothing() -> None:
    # Python's parser gives up on an unknown marked section; deep in a quoted history it used to
    # leave the whole mail, history and all, in the frame.
    html, quoted, shown = OUTLOOK
    broken = html.replace("<p>Hallo, mir fehlt", "<![foo[ x ]]><p>Hallo, mir fehlt")

    assert html_without_quote(broken, quoted) == shown


def test_a_long_history_is_cut_where_it_begins_and_a_mail_without_it_is_read_to_the_end() -> None:
    html, quoted, shown = OUTLOOK
    history = "".join(f"<blockquote><p>Zeile {i} der alten Mail</p></blockquote>" for i in range(2000))
    long_thread = html.replace("</div>", history + "</div>", 1)

    assert html_without_quote(long_thread, quoted) == shown
    unquoted = "<div>" + history + "</div>"
    assert html_without_quote(unquoted, quoted) == unquoted
