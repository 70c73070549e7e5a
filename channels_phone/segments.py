"""How many SMS segments a text costs, and in which encoding (GSM 03.38 7-bit or UCS-2).

A text made only of GSM-7 characters goes in 7-bit: 160 characters in one SMS, 153 per part
of a longer one (the rest of each part carries the header that joins them). Characters of
the extension table (``€``, ``[``, ``]``, ``{``, ``}``, ``\\``, ``^``, ``~``, ``|``, form feed)
cost two, and are never split across two parts. Any other character (an emoji, „German
quotes“, ``…``) turns the whole text into UCS-2: 70 UTF-16 units in one SMS, 67 per part, a
character outside the BMP (most emoji) costs two units and is not split either. German
umlauts and ß are in the basic GSM table.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# Units per SMS: (alone, per part of a longer text).
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM7 or UCS2
    count: int  # SMS the text is sent as (0 for an empty text)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    per_segment: int  # units one SMS of this text holds
    remaining: int  # units still free in the last SMS


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def _costs(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Segments:
    """The segments ``text`` is sent as; a pure function for the composer and the API."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    single, part = LIMITS[encoding]
    costs = _costs(text, encoding)
    units = sum(costs)
    if units == 0:
        return Segments(encoding, 0, 0, single, single)
    if units <= single:
        return Segments(encoding, 1, units, single, single - units)
    # Fill parts in order; a two-unit character that does not fit goes whole into the next part.
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return Segments(encoding, parts, units, part, part - used)
