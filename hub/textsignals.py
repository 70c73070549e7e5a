"""What the worker reads from a customer's words: their language, and how frustrated they sound.

Language: ``lingua`` (its models ship in the wheel; nothing is fetched at run time), limited to
``settings.DETECT_LANGUAGES`` in its low-accuracy mode: about 0.05 ms for a short mail and a few
MB per language, against several hundred MB for all 75. Only the first ``SAMPLE`` characters are
read: the opening of a message says its language; a quoted thread or a signature says less.

Frustration: a signal from -1 (angry) to 1 (pleased), for routing rules (``sentiment lt -0.4``)
and the ticket view, not a verdict. No maintained sentiment package on PyPI reads German without
a model download or a non-commercial licence (SentiWS), so this is a small cue list of our own,
in German and English: complaint words and phrases, repeated contact ("zum dritten Mal"), threats
to leave or to involve a lawyer, shouting (capitals, "!!!"), and thanks as the positive side.
Each cue found moves the score; none is decisive alone.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from lingua import LanguageDetector

SAMPLE = 1000
# Below this, lingua's best guess is as likely wrong as right: no language rather than a wrong one.
MIN_CONFIDENCE = 0.5
MIN_LETTERS = 12

_lock = threading.Lock()


@functools.cache
def _detector() -> LanguageDetector:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in settings.DETECT_LANGUAGES:
        try:
            languages.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            raise ImproperlyConfigured(
                f"DETECT_LANGUAGES: {code!r} is not a language code the detector knows; "
                "use ISO 639-1 codes such as de,en,fr"
            ) from None
    if len(languages) < 2:
        raise ImproperlyConfigured("DETECT_LANGUAGES needs at least two languages to tell apart, e.g. de,en")
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(*texts: str) -> str:
    """The ISO 639-1 code of the language ``texts`` are written in, or "" when unsure."""
    sample = " ".join(t for t in texts if t)[:SAMPLE]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ""
    with _lock:  # building is not thread-safe; detecting is cheap enough to share one lock
        detector = _detector()
    values = detector.compute_language_confidence_values(sample)
    if not values or values[0].value < MIN_CONFIDENCE:
        return ""
    return str(values[0].language.iso_code_639_1.name).lower()


# Cue → weight. Phrases are matched on word boundaries, case-insensitively.
_NEGATIVE = {
    # German
    "unverschämt": 0.6,
    "frechheit": 0.6,
    "zumutung": 0.6,
    "katastrophe": 0.5,
    "katastrophal": 0.5,
    "skandal": 0.5,
    "enttäuscht": 0.4,
    "enttäuschung": 0.4,
    "verärgert": 0.5,
    "sauer": 0.3,
    "wütend": 0.6,
    "beschwerde": 0.4,
    "reklamation": 0.2,
    "inakzeptabel": 0.5,
    "nicht akzeptabel": 0.5,
    "immer noch nicht": 0.4,
    "noch immer nicht": 0.4,
    "schon wieder": 0.3,
    "zum dritten mal": 0.5,
    "zum wiederholten mal": 0.5,
    "mehrfach": 0.2,
    "keine antwort": 0.4,
    "niemand meldet sich": 0.5,
    "kündigen": 0.5,
    "kündige": 0.5,
    "kündigung": 0.4,
    "anwalt": 0.6,
    "rechtliche schritte": 0.7,
    "verbraucherzentrale": 0.6,
    "geld zurück": 0.4,
    "betrug": 0.6,
    "miserabel": 0.5,
    "unmöglich": 0.3,
    "lächerlich": 0.5,
    "sofort": 0.2,
    "endlich": 0.3,
    # English
    "unacceptable": 0.5,
    "outrageous": 0.6,
    "disappointed": 0.4,
    "disappointing": 0.4,
    "furious": 0.6,
    "angry": 0.5,
    "annoyed": 0.4,
    "frustrated": 0.5,
    "frustrating": 0.5,
    "ridiculous": 0.5,
    "terrible": 0.5,
    "awful": 0.5,
    "worst": 0.5,
    "complaint": 0.4,
    "still not": 0.4,
    "yet again": 0.4,
    "third time": 0.5,
    "no response": 0.4,
    "nobody answers": 0.5,
    "cancel my": 0.5,
    "lawyer": 0.6,
    "legal action": 0.7,
    "refund": 0.2,
    "scam": 0.6,
    "immediately": 0.2,
}
_POSITIVE = {
    "vielen dank": 0.4,
    "danke": 0.3,
    "super": 0.3,
    "toll": 0.3,
    "perfekt": 0.4,
    "zufrieden": 0.4,
    "hervorragend": 0.5,
    "klasse": 0.3,
    "thank you": 0.4,
    "thanks": 0.3,
    "great": 0.3,
    "perfect": 0.4,
    "excellent": 0.5,
    "happy": 0.3,
    "awesome": 0.4,
}


def _pattern(cues: dict[str, float]) -> re.Pattern[str]:
    words = sorted(cues, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


_NEG, _POS = _pattern(_NEGATIVE), _pattern(_POSITIVE)
_NEGATION = re.compile(r"(?<!\w)(nicht|kein|keine|not|no)\s+$", re.IGNORECASE)
_SHOUT = re.compile(r"!{2,}|\?{3,}")


def frustration(text: str) -> float | None:
    """From -1 (angry) to 1 (pleased), 0 for neutral; None for too little text to say."""
    sample = text[: SAMPLE * 2]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    score = 0.0
    for match in _NEG.finditer(sample):
        score -= _NEGATIVE[match.group(1).lower()]
    for match in _POS.finditer(sample):
        # "nicht zufrieden", "not happy": a negated praise is a complaint.
        negated = _NEGATION.search(sample[max(0, match.start() - 12) : match.start()])
        score += -_POSITIVE[match.group(1).lower()] if negated else _POSITIVE[match.group(1).lower()]
    score -= 0.2 * min(3, len(_SHOUT.findall(sample)))
    letters = [ch for ch in sample if ch.isalpha()]
    if len(letters) >= 30 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6:
        score -= 0.4  # written in capitals
    return round(max(-1.0, min(1.0, score)), 2)
