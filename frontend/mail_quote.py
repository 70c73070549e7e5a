"""A mail's HTML without the history it quotes, which the card shows once, collapsed behind "…".

The mail parser finds the quoted history in the text part (``quoted_text``: "Am … schrieb …:",
Outlook's "Von:/Gesendet:", ``>`` lines); sanitized HTML keeps no class or id that would mark
it (gmail_quote, divRplyFwdMsg). So the HTML is cut where its text reaches the first words of
the quoted history, at the outermost element that begins there (the attribution's ``<div>``,
Apple Mail's ``<blockquote>``, Outlook's bordered ``<div>``); failing that, at the first
``<blockquote>`` when the history is ``>`` lines. The cut may leave tags open: the frame's
document is sanitized afterwards, which closes them.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Elements without an end tag never stay on the stack of open elements.
_VOID = {"br", "hr", "img", "col", "wbr", "area", "base", "input", "meta", "link", "source"}
_WORDS = 4  # enough of the quote's first line to be unmistakable, few enough to survive reformatting


def _first_words(quoted_text: str) -> str:
    for line in quoted_text.splitlines():
        words = line.lstrip("> \t").split()
        if words:
            return " ".join(words[:_WORDS])
    return ""


class _Found(Exception):
    """The quote's first words have been read: the rest of the document cannot change the cut."""


class _Finder(HTMLParser):
    """Reads the HTML once: its text with whitespace collapsed, and for each element where it
    starts in the source and in that text.

    With ``stop_at``, reading ends (``_Found``) as soon as the text holds those words: the quoted
    history is most of a long thread's mail, and its first occurrence cannot move once read. A
    mail card on the ticket page parsed 49 KB of Outlook history in 2.3 ms to cut it off after the
    first kilobyte.
    """

    def __init__(self, html: str, stop_at: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.stop_at = stop_at
        self.text = ""
        # Open elements: (source offset of the start tag, length of ``text`` there).
        self.open: list[tuple[str, int, int]] = []
        # For every piece of text: its offset in ``text`` and the open elements around it.
        self.pieces: list[tuple[int, list[tuple[str, int, int]]]] = []
        self.first_blockquote: int | None = None
        self._lines = [0]
        for line in html.splitlines(keepends=True):
            self._lines.append(self._lines[-1] + len(line))

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote" and self.first_blockquote is None:
            self.first_blockquote = self._offset()
        if tag not in _VOID:
            self.open.append((tag, self._offset(), len(self.text)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        words = data.split()
        if not words:
            return
        read = len(self.text)
        if self.text and (data[0].isspace() or not self.text.endswith(" ")):
            self.text += " "
        self.pieces.append((len(self.text), list(self.open)))
        self.text += " ".join(words) + (" " if data[-1].isspace() else "")
        # Only where the words could newly end: searching all the text read each time was
        # quadratic on a mail that never quotes them.
        if self.stop_at and self.text.find(self.stop_at, max(1, read - len(self.stop_at))) >= 0:
            raise _Found

    def cut_at(self, words: str) -> int | None:
        """Where the source must end so that its text stops before ``words`` (not at its start)."""
        at = self.text.find(words, 1)
        if at < 0:
            return None
        around = self.pieces[0][1]
        for start, elements in self.pieces:
            if start > at:
                break
            around = elements
        # The outermost element whose text begins with the quote holds nothing of the new text;
        # a quote that begins inside a run of text has none, and the whole run stays.
        for _tag, source, text_at in around:
            if not self.text[text_at:at].strip():
                return source
        return None


def html_without_quote(html: str, quoted_text: str) -> str:
    """``html`` up to where it quotes ``quoted_text``; unchanged when it does not (visibly) quote it."""
    if not html or not quoted_text.strip():
        return html
    words = _first_words(quoted_text)
    usable = len(words) >= 6
    finder = _Finder(html, stop_at=words if usable else "")
    try:
        finder.feed(html)
        finder.close()
    except _Found:
        pass
    except Exception:  # noqa: BLE001 - a heuristic: a document it cannot read is shown whole
        return html
    cut = finder.cut_at(words) if usable else None
    if cut is None and quoted_text.lstrip().startswith(">"):
        cut = finder.first_blockquote
    if not cut:
        return html
    return html[:cut]
