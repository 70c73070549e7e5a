"""The search syntax taken apart (hub.search.query): pure, no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.search.query import Atom, Filter, channel_value, date_value, parse, status_value


def test_words_must_all_match_each_a_clause_of_its_own():
    query = parse("Rechnung  März")

    assert query.clauses == ((Atom("Rechnung"),), (Atom("März"),))
    assert query.plain and not query.filters


def test_german_umlauts_and_eszett_stay_as_typed():
    query = parse("Grüße Straße Übergröße")

    assert [a.text for a in query.positive] == ["Grüße", "Straße", "Übergröße"]


def test_quoted_words_are_a_phrase_and_the_query_is_no_longer_plain():
    query = parse('lieferung "nicht   angekommen"')

    assert query.clauses == ((Atom("lieferung"),), (Atom("nicht angekommen", phrase=True),))
    assert not query.plain


def test_german_quotes_and_guillemets_make_phrases_too():
    assert parse("„nicht angekommen“").clauses == ((Atom("nicht angekommen", phrase=True),),)
    assert parse("«wrong invoice»").clauses == ((Atom("wrong invoice", phrase=True),),)


def test_an_unclosed_quote_runs_to_the_end():
    assert parse('"nicht angekommen').clauses == ((Atom("nicht angekommen", phrase=True),),)


def test_a_quoted_single_word_is_a_word():
    assert parse('"Rechnung"').clauses == ((Atom("Rechnung"),),)


def test_a_minus_excludes_words_phrases_and_filters():
    query = parse('rechnung -gutschrift -"zweite mahnung" -status:closed')

    assert query.clauses == ((Atom("rechnung"),),)
    assert query.excluded == (Atom("gutschrift"), Atom("zweite mahnung", phrase=True))
    assert query.filters == (Filter("status", ("closed",), negated=True),)


def test_a_hyphen_inside_a_word_is_part_of_it():
    assert parse("E-Mail Wi-Fi").clauses == ((Atom("E-Mail"),), (Atom("Wi-Fi"),))


def test_a_lone_minus_is_ignored():
    assert parse("rechnung - mahnung").clauses == ((Atom("rechnung"),), (Atom("mahnung"),))


def test_or_joins_the_words_on_both_sides():
    query = parse("mahnung lieferung OR versand OR paket rechnung")

    assert query.clauses == (
        (Atom("mahnung"),),
        (Atom("lieferung"), Atom("versand"), Atom("paket")),
        (Atom("rechnung"),),
    )


def test_or_in_lower_case_is_a_word_and_or_at_the_edges_is_dropped():
    assert parse("this or that").clauses == ((Atom("this"),), (Atom("or"),), (Atom("that"),))
    assert parse("OR rechnung OR").clauses == ((Atom("rechnung"),),)


def test_or_with_a_phrase():
    assert parse('"nicht da" OR verloren').clauses == ((Atom("nicht da", phrase=True), Atom("verloren")),)


def test_inline_filters_are_taken_out_of_the_text():
    query = parse("status:open channel:chat tag:vip team:billing assignee:me rechnung before:2024-05-31 after:7d")

    assert query.clauses == ((Atom("rechnung"),),)
    assert query.filters == (
        Filter("status", ("open",)),
        Filter("channel", ("chat",)),
        Filter("tag", ("vip",)),
        Filter("team", ("billing",)),
        Filter("assignee", ("me",)),
        Filter("before", ("2024-05-31",)),
        Filter("after", ("7d",)),
    )


def test_from_keeps_the_whole_address_with_its_at_sign():
    assert parse("from:anna.mueller@beispiel.de").filters == (Filter("from", ("anna.mueller@beispiel.de",)),)


def test_filter_names_ignore_case_and_have_german_names():
    query = parse("Status:offen von:anna kanal:telefon bearbeiter:ich")

    assert query.filters == (
        Filter("status", ("offen",)),
        Filter("from", ("anna",)),
        Filter("channel", ("telefon",)),
        Filter("assignee", ("ich",)),
    )


def test_a_quoted_filter_value_may_hold_spaces():
    assert parse('team:"First level" rechnung').filters == (Filter("team", ("First level",)),)
    assert parse("team:„Erste Ebene“").filters == (Filter("team", ("Erste Ebene",)),)


def test_commas_give_several_values():
    assert parse("status:open,pending").filters == (Filter("status", ("open", "pending")),)


def test_unknown_filter_names_stay_text():
    query = parse("re:rechnung http://example.com 10:30 foo:bar")

    assert [a.text for a in query.positive] == ["re:rechnung", "http://example.com", "10:30", "foo:bar"]
    assert not query.filters


def test_a_known_filter_without_value_stays_text():
    assert parse("status:").clauses == ((Atom("status:"),),)


def test_a_hash_number_is_a_ticket_number_and_a_bare_number_may_be_one():
    assert parse("#4711").numbers == (4711,)
    assert parse("#4711").clauses == ()
    assert parse("4711").lone_number == 4711
    assert parse("4711 rechnung").lone_number is None
    assert parse('"4711"').lone_number == 4711


def test_an_empty_query_is_empty():
    assert parse("").empty
    assert parse("   ").empty
    assert parse('""').empty


def test_a_query_of_only_exclusions_has_text_but_no_clauses():
    query = parse("-spam")

    assert query.has_text and not query.clauses


def test_a_very_long_query_is_cut():
    query = parse("wort " * 1000)

    assert len(query.clauses) <= 20


@given(st.text(max_size=200))
def test_any_text_parses_without_error(text):
    query = parse(text)

    assert len(query.raw) <= 500
    for atom in query.positive:
        assert atom.text.strip()


def test_statuses_by_value_and_by_name_in_both_languages():
    assert status_value("Open") == "open"
    assert status_value("gelöst") == "solved"
    assert status_value("Zurückgestellt") == "on_hold"
    assert status_value("wartend") == "pending"
    assert status_value("bogus") is None


def test_channels_by_key_and_by_name():
    assert channel_value("E-Mail") == "email"
    assert channel_value("telefon") == "phone"
    assert channel_value("chat") == "chat"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-31", date(2024, 5, 31)),
        ("31.5.2024", date(2024, 5, 31)),
        ("7d", date(2024, 6, 3)),
        ("2w", date(2024, 5, 27)),
        ("heute", date(2024, 6, 10)),
        ("yesterday", date(2024, 6, 9)),
        ("2024-02-30", None),
        ("0001-01-01", None),  # no instant in every time zone
        ("31.12.9999", None),
        ("soon", None),
    ],
)
def test_dates_iso_german_and_relative(value, expected):
    assert date_value(value, date(2024, 6, 10)) == expected
