"""An agent's formatted email reply (the composer's rich text): the few elements its toolbar
makes, cleaned with nh3 before it is stored. The email channel sanitizes it once more with its
inbound-mail policy when it builds the mail; the timeline shows it in its sandboxed frame."""

from __future__ import annotations

from html import escape

import nh3

TAGS = {"p", "div", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a", "blockquote"}
ATTRIBUTES = {"a": {"href"}}


def clean_reply_html(html: str) -> str:
    """The composer's HTML with only what the toolbar makes: bold, italic, lists, links, quotes."""
    if not html or not html.strip():
        return ""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
        strip_comments=True,
    ).strip()


def with_signature(html: str, signature: str) -> str:
    """``html`` ending with the plain-text ``signature`` (RFC 3676's "-- " line above it)."""
    if not signature:
        return html
    lines = "<br>".join(escape(line) for line in signature.splitlines())
    return f'{html}<p class="signature">-- <br>{lines}</p>'
