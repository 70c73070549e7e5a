"""Hypothesis: header decoding and thread signals hold for any input, not just our samples."""

from __future__ import annotations

from email.header import Header

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from channels_email.charsets import decode_bytes, decode_header
from channels_email.parse import parse_mail
from channels_email.thread_signals import (
    normalize_subject,
    outbound_message_id,
    reply_subject,
    thread_ids,
    ticket_of_our_message_id,
    ticket_token,
)

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(lambda s: s.strip())


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(text, st.sampled_from(["utf-8", "iso-8859-1", "iso-8859-15", "koi8-r", "shift_jis", "gb2312", "iso-2022-jp"]))
def test_an_encoded_header_decodes_back_to_what_was_encoded(value: str, charset: str) -> None:
    try:
        raw = value.encode(charset)
    except UnicodeEncodeError:
        charset, raw = "utf-8", value.encode()
    # By design, latin-1 bytes that are also valid UTF-8 are read as the (far more common)
    # mislabeled UTF-8: "Â\xa0" in latin-1 is the UTF-8 of a no-break space.
    if charset.startswith("iso-8859") and not raw.isascii():
        assume(not _valid_utf8(raw))
    encoded = Header(value, charset).encode()
    assert decode_header(encoded) == " ".join(value.split()) or decode_header(encoded) == value.strip()


@given(st.binary(max_size=200), st.text(max_size=20))
def test_decoding_any_bytes_in_any_declared_charset_never_raises(data: bytes, charset: str) -> None:
    assert isinstance(decode_bytes(data, charset), str)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_parsing_arbitrary_bytes_never_raises(data: bytes) -> None:
    parse_mail(data)


prefixes = st.lists(
    st.sampled_from(["Re: ", "AW: ", "WG: ", "Fwd: ", "SV: ", "VS: ", "Antw: ", "RE: ", "Aw: "]), max_size=4
)


@given(prefixes, text.filter(lambda s: ":" not in s and "[" not in s))
def test_reply_and_forward_prefixes_are_normalized_away(chain: list[str], subject: str) -> None:
    assert normalize_subject("".join(chain) + subject) == normalize_subject(subject)


@given(st.integers(1, 10**9), text.filter(lambda s: "[#" not in s))
def test_the_ticket_token_of_our_reply_subject_names_the_ticket(ticket_id: int, subject: str) -> None:
    assert ticket_token(reply_subject(subject, ticket_id)) == ticket_id


@given(st.integers(1, 10**9), st.integers(1, 10**12))
def test_our_message_ids_name_their_ticket_and_forged_ones_do_not(ticket_id: int, message_id: int) -> None:
    mid = outbound_message_id(ticket_id, message_id, "hub.example")
    assert ticket_of_our_message_id(mid) == ticket_id
    forged = mid.replace(f"ticket-{ticket_id}.", f"ticket-{ticket_id + 1}.")
    assert ticket_of_our_message_id(forged) is None


ids = st.lists(
    st.from_regex(r"<[a-z0-9.]{1,12}@[a-z]{1,8}\.example>", fullmatch=True), min_size=1, max_size=8, unique=True
)


@given(ids)
def test_thread_ids_put_in_reply_to_first_then_references_newest_first(references: list[str]) -> None:
    in_reply_to = references[-1]
    found = thread_ids(in_reply_to, "\r\n ".join(references))
    assert found[0] == in_reply_to
    assert list(found) == list(reversed(references))
