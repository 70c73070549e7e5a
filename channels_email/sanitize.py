"""Sanitizing mail HTML for the agent UI, and deriving text from it.

nh3 keeps formatting (paragraphs, lists, tables, links, inline images) and drops scripts,
styles, event handlers, forms and frames. Remote images would tell the sender when and where
an agent read the mail, so their ``src`` is moved to ``data-remote-src``: the UI loads them
only when the agent asks. ``cid:`` images stay (the UI maps them to the stored attachment).
"""

from __future__ import annotations

import re

import nh3
from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "data-remote-src"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign", "scope"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
    "col": {"span"},
    "colgroup": {"span"},
}
_REMOTE_SRC = re.compile(r'(<img\b[^>]*?\s)src="((?:https?:)?//[^"]*)"', re.IGNORECASE)
_TEXT_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False, display_images=False)


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        lowered = value.strip().lower()
        if lowered.startswith(("cid:", "http:", "https:", "//")):
            return value.strip()
        return None  # data: and other schemes: neither tracking nor needed
    if tag == "img" and attribute == "data-remote-src":
        return None  # only we set it, after cleaning
    return value


def sanitize_html(html: str) -> str:
    if not html or not html.strip():
        return ""
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        clean_content_tags={"script", "style", "title", "head", "noscript", "template", "xml"},
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        attribute_filter=_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # nh3 serializes attributes in double quotes, so this match on its output is reliable.
    return _REMOTE_SRC.sub(r'\1data-remote-src="\2"', cleaned).strip()


def html_to_text(html: str) -> str:
    if not html or not html.strip():
        return ""
    try:
        return get_text(html, _TEXT_CONFIG).strip()
    except Exception:  # noqa: BLE001 - a pathological document must not stop the mail
        return re.sub(r"<[^>]+>", " ", html).strip()
