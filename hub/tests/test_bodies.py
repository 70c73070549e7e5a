"""A body past the display limit is cut where it cannot break the page, and says how much it holds."""

from __future__ import annotations

import nh3
import pytest
from django.test import override_settings

from hub.bodies import body_of, cut_html, cut_text, with_heads
from hub.models import Message
from hub.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_cut_html_closes_what_the_cut_left_open_and_drops_a_broken_tag() -> None:
    html = (
        "<div><table><tr><td><b>Zeile "
        + "x" * 980
        + '<a href="https://example.de/very/long">Link</a></b></td></tr></table></div><p>Ende'
    )

    shown = cut_html(html, 1000)

    assert "<a" not in shown and "href" not in shown  # the tag the cut went through is left out, not shown as text
    assert "&lt;" not in shown
    assert shown.endswith("</b></td></tr></tbody></table></div>")
    assert nh3.clean(shown) == shown  # well-formed: sanitizing it again changes nothing
    assert "Ende" not in shown


def test_cut_html_leaves_out_an_entity_the_cut_broke() -> None:
    shown = cut_html("<p>" + "a" * 995 + "&amp;amp;rest</p>", 1000)

    assert shown == "<p>" + "a" * 995 + "</p>"


def test_cut_text_ends_at_a_line_break_or_space_near_the_limit() -> None:
    text = "Wort " * 300

    shown = cut_text(text, 1000)

    assert len(shown) <= 1000 and shown.endswith("Wort") and text.startswith(shown)
    assert cut_text("x" * 2000, 1000) == "x" * 1000  # no space near: cut at the limit
    assert cut_text("kurz", 1000) == "kurz"


@override_settings(MESSAGE_DISPLAY_LIMIT_CHARS=1000)
def test_a_body_read_with_its_heads_is_cut_as_one_read_whole() -> None:
    message = MessageFactory.create(
        text="Satz eins. " * 500, html="<p>" + "<b>fett</b> " * 400 + "</p>", quoted_text="> alt"
    )
    read_with_heads = with_heads(Message.objects.filter(pk=message.pk)).get()

    assert {"text", "html", "quoted_text"} <= read_with_heads.get_deferred_fields()
    whole, headed = body_of(Message.objects.get(pk=message.pk)), body_of(read_with_heads)
    assert whole == headed
    assert headed.text.cut and headed.text.total == 5500 and len(headed.text.shown) <= 1000
    assert headed.html.cut and headed.html.total == len(message.html) and headed.html.kept == 1000
    assert not headed.quoted_text.cut and headed.quoted_text.shown == "> alt"
    assert headed.cut


@override_settings(MESSAGE_DISPLAY_LIMIT_CHARS=1000)
def test_a_body_within_the_limit_is_shown_as_stored() -> None:
    message = MessageFactory.create(text="ä" * 1000, html="<p>kurz</p>")

    body = body_of(with_heads(Message.objects.filter(pk=message.pk)).get())

    assert not body.cut
    assert body.text.shown == "ä" * 1000 and body.text.total == 1000  # characters, not bytes
    assert body.html.shown == "<p>kurz</p>"
