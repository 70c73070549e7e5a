"""SMS segment counting: what the composer shows and what the customer's phone receives."""

from __future__ import annotations

from channels_phone.segments import GSM7, UCS2, count


def test_german_text_with_umlauts_and_sharp_s_stays_in_gsm7() -> None:
    text = "Grüße aus Köln! Ihr Techniker kommt Freitag zwischen 8 und 12 Uhr. Schöne Grüße, Ihr Service-Team"

    segments = count(text)

    assert segments.encoding == GSM7
    assert (segments.count, segments.units) == (1, len(text))


def test_160_gsm7_characters_fit_one_sms_and_161_take_two_parts_of_153() -> None:
    assert count("ä" * 160).count == 1
    two = count("ä" * 161)
    assert (two.encoding, two.count, two.per_segment, two.remaining) == (GSM7, 2, 153, 153 * 2 - 161)


def test_the_euro_sign_costs_two_septets_but_keeps_gsm7() -> None:
    segments = count("Preis: 49 €")

    assert segments.encoding == GSM7
    assert segments.units == len("Preis: 49 €") + 1


def test_an_extension_character_is_never_split_across_two_parts() -> None:
    # 152 septets, then a euro sign (2): it does not fit the first part's last septet.
    segments = count("a" * 152 + "€" + "b" * 10)

    assert segments.count == 2
    assert segments.remaining == 153 - 12


def test_one_emoji_turns_the_whole_text_into_ucs2_of_70_units() -> None:
    text = "Danke, passt! 👍"

    segments = count(text)

    assert segments.encoding == UCS2
    assert segments.units == len(text) + 1  # the emoji lies outside the BMP: two UTF-16 units
    assert (segments.count, segments.per_segment) == (1, 70)


def test_german_quotes_and_the_ellipsis_drop_a_segment_to_70_characters() -> None:
    text = "Ihr Paket „Ersatzteile“ ist unterwegs…"

    assert count(text).encoding == UCS2
    assert count("x" * 69 + "…").count == 1
    assert count("x" * 70 + "…").count == 2


def test_a_long_ucs2_text_is_sent_in_parts_of_67_units_without_splitting_an_emoji() -> None:
    segments = count("ö" * 66 + "😀" + "ü" * 4)

    assert segments.encoding == UCS2
    assert segments.count == 2  # 66 units, then the emoji (2) starts the second part
    assert segments.remaining == 67 - 6


def test_an_empty_text_is_no_sms() -> None:
    assert count("").count == 0
