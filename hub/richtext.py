"""An agent's formatted email reply (the composer's rich text): the few elements its toolbar
makes, cleaned with nh3 before it is stored. The email channel sanitizes it once more with its
inbound-mail policy when it builds the mail; the timeline shows it in its sandboxed frame.

An image in the text is one of the agent's inline draft uploads (``hub.actions.uploads``),
written ``cid:upload.<id>`` until the reply is stored; then it is the ``cid:`` of the
message's inline attachment. No other image source survives cleaning: not a remote URL (it
would tell a tracker when the mail is read), not ``data:``, not another scheme.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

import nh3

TAGS = {"p", "div", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a", "blockquote", "img"}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
# Only what ``inline_ref`` writes: a draft upload by its id.
UPLOAD_REF = re.compile(r"^cid:upload\.([0-9]{1,18})$")
# nh3 writes every attribute in double quotes, so these matches on its output are reliable.
_REF_SRC = re.compile(r'src="cid:upload\.([0-9]{1,18})"')
_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=")[^>]*>')
_IMG_REF = re.compile(r'<img[^>]*\ssrc="cid:upload\.([0-9]{1,18})"[^>]*>')


def inline_ref(upload_id: int) -> str:
    """How the reply's HTML names one of the agent's inline draft uploads before it is sent."""
    return f"cid:upload.{upload_id}"


def clean_reply_html(html: str, image_src: Callable[[str], str | None] | None = None) -> str:
    """The composer's HTML with only what the toolbar makes: bold, italic, lists, links, quotes
    and inline images. ``image_src`` turns an image's ``src`` as the editor showed it into an
    ``inline_ref`` (None: not one of ours); without it only ``inline_ref``s are kept."""
    if not html or not html.strip():
        return ""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag != "img" or attribute != "src":
            return value
        value = value.strip()
        if UPLOAD_REF.match(value):
            return value
        return image_src(value) if image_src is not None else None

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        # cid: only for inline_ref (``keep`` decides); data:, javascript: and the rest go here.
        url_schemes={"http", "https", "mailto", "cid"},
        attribute_filter=keep,
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
    return _IMG_WITHOUT_SRC.sub("", cleaned).strip()


def clean_api_html(html: str) -> str:
    """HTML a reply or first message brings over the API: nh3's defaults (tables and the like
    stay), but no image at all. An API client has no draft uploads to show inline, and a remote
    image in a mail tells a tracker when the customer reads it."""
    if not html or not html.strip():
        return ""

    def no_image_source(tag: str, attribute: str, value: str) -> str | None:
        return None if tag == "img" and attribute == "src" else value

    return _IMG_WITHOUT_SRC.sub("", nh3.clean(html, attribute_filter=no_image_source)).strip()


def referenced_uploads(html: str) -> list[int]:
    """The draft uploads ``html`` (cleaned) shows inline, in order, each once."""
    return list(dict.fromkeys(int(pk) for pk in _REF_SRC.findall(html)))


def with_content_ids(html: str, content_ids: dict[int, str]) -> str:
    """``html`` (cleaned) with each ``inline_ref`` as the ``cid:`` of its attachment; an image
    whose upload is not in ``content_ids`` (another agent's, gone, never there) is left out."""

    def swap(match: re.Match[str]) -> str:
        content_id = content_ids.get(int(match.group(1)))
        if content_id is None:
            return ""
        return match.group(0).replace(f'src="cid:upload.{match.group(1)}"', f'src="cid:{content_id}"')

    return _IMG_REF.sub(swap, html)


def with_image_urls(html: str, url: Callable[[int], str]) -> str:
    """``html`` (cleaned) with each ``inline_ref`` as ``url(upload_id)``: the editor's view of it."""
    return _REF_SRC.sub(lambda match: f'src="{escape(url(int(match.group(1))))}"', html)


def has_images(html: str) -> bool:
    return "<img" in html


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.splitlines())


def with_text(html: str, text: str) -> str:
    """``html`` with the plain ``text`` as paragraphs after it."""
    return html + "".join(f"<p>{_lines(part)}</p>" for part in text.split("\n\n"))


def with_signature(html: str, signature: str) -> str:
    """``html`` ending with the plain-text ``signature`` (RFC 3676's "-- " line above it)."""
    if not signature:
        return html
    return f'{html}<p class="signature">-- <br>{_lines(signature)}</p>'
