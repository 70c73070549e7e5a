"""winmail.dat: the files Outlook packed into it show up as attachments under their real names."""

from __future__ import annotations

import contextlib
import logging
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels_email.parse import parse_mail
from channels_email.rtf import decompress, to_body
from channels_email.tests.tnef_build import PT_BINARY, File, lzfu_literals, properties, tnef
from channels_email.tnef import TnefError, decode

DATA = Path(__file__).parent / "data"
PDF = b"%PDF-1.4\n%%EOF\n"


def mail_with(winmail: bytes, text: str = "Siehe Anhang.") -> bytes:
    import base64

    body = base64.encodebytes(winmail).decode()
    return (
        "From: Outlook User <ol@firma.de>\r\nTo: support@hub.example\r\nSubject: Test\r\n"
        "Message-ID: <tnef-test@firma.de>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n"
        '--b\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{body}\r\n--b--\r\n"
    ).encode()


def test_the_files_in_a_winmail_dat_show_up_under_their_real_names_next_to_it() -> None:
    mail = parse_mail((DATA / "077_tnef_attachments.eml").read_bytes())

    names = [a.filename for a in mail.attachments]
    assert names == ["winmail.dat", "Angebot 2025.pdf", "Preisliste März.xlsx"]
    pdf = mail.attachments[1]
    assert pdf.content_type == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")
    assert mail.attachments[2].content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "anbei das Angebot" in mail.text  # the mail's own body is left alone


def test_a_mail_sent_only_as_tnef_shows_its_body_and_its_inline_image() -> None:
    mail = parse_mail((DATA / "078_tnef_only_rtf_body.eml").read_bytes())

    assert "im Anhang finden Sie das Angebot für die Wartung der Anlage in München" in mail.text
    assert "Mit freundlichen Grüßen" in mail.text
    assert "htmlrtf" not in mail.text and "Arial" not in mail.text  # no RTF leaks into the text
    assert 'src="cid:image001.png@01DB8C1E.5A2F3B10"' in mail.html
    logo = next(a for a in mail.attachments if a.filename == "image001.png")
    assert logo.inline and logo.content.startswith(b"\x89PNG")
    assert [a.filename for a in mail.attachments if not a.inline] == ["winmail.dat", "Wartungsvertrag Entwurf.pdf"]


def test_names_with_paths_keep_only_the_file_name_and_unknown_types_are_guessed_from_it() -> None:
    winmail = tnef([File("C:\\Users\\ol\\Desktop\\..\\bericht.docx", b"PK\x03\x04"), File("", b"x", short_name="")])

    names = [(a.filename, a.content_type) for a in decode(winmail).attachments]

    assert names == [
        ("bericht.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("attachment-2", "application/octet-stream"),
    ]


def test_the_files_of_an_attached_outlook_item_count_too() -> None:
    inner = tnef([File("Rechnung.pdf", PDF, "application/pdf")])
    iid = bytes(16)  # IID_IMessage, as Outlook writes it before the embedded stream
    item = struct.pack("<HH", 0x000D, 0x3701) + struct.pack("<II", 1, len(iid + inner)) + iid + inner
    item += b"\x00" * (-len(iid + inner) % 4)
    method = struct.pack("<HHi", 0x0003, 0x3705, 5)
    props = struct.pack("<I", 2) + method + item
    outer = tnef([]) + _attribute(2, 0x00069002, bytes(14)) + _attribute(2, 0x00069005, props)

    assert [(a.filename, a.content) for a in decode(outer).attachments] == [("Rechnung.pdf", PDF)]


def _attribute(level: int, att_id: int, data: bytes) -> bytes:
    return struct.pack("<BII", level, att_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


@pytest.mark.parametrize(
    "broken",
    [
        (DATA / "051_tnef.eml").read_bytes(),  # a signature, then nothing that makes sense
        mail_with(tnef([File("a.pdf", PDF)])[:-40]),  # cut off in the middle
        mail_with(b"\x78\x9f\x3e\x22" + b"\xff" * 50),
        mail_with(b"not tnef at all"),
    ],
)
def test_a_broken_winmail_dat_leaves_the_mail_as_it_was_and_says_so_in_the_log(
    broken: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="channels_email.tnef"):
        mail = parse_mail(broken)

    assert [a.filename for a in mail.attachments] == ["winmail.dat"]
    assert "winmail.dat" in caplog.text and "kept undecoded" in caplog.text


def test_the_mails_own_body_wins_over_the_one_in_winmail_dat() -> None:
    rtf = b"{\\rtf1\\ansi Aus dem RTF\\par}"
    winmail = tnef([], message=[(PT_BINARY, 0x1009, lzfu_literals(rtf))])

    assert parse_mail(mail_with(winmail, text="Aus der Mail")).text == "Aus der Mail"
    assert parse_mail(mail_with(winmail, text="")).text == "Aus dem RTF"


def test_plain_rtf_becomes_its_text_with_code_page_and_unicode_characters() -> None:
    rtf = (
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}{\\*\\generator Riched20;}"
        b"\\pard Gr\\'fc\\'dfe aus M\\u252?nchen\\par Zweite\\tab Zeile{\\*\\ignored nichts}\\par}"
    )

    assert decompress(lzfu_literals(rtf)) == rtf
    assert to_body(rtf) == ("text", "Grüße aus München\nZweite\tZeile")


def test_decoding_arbitrary_damage_either_works_or_says_tnef_error() -> None:
    good = tnef([File("a.pdf", PDF, "application/pdf"), File("b.txt", b"hallo")])

    @given(st.integers(0, len(good) - 1), st.binary(min_size=1, max_size=8))
    @settings(max_examples=300, deadline=None)
    def damaged(at: int, junk: bytes) -> None:
        with contextlib.suppress(TnefError):
            decode(good[:at] + junk + good[at + len(junk) :])

    damaged()


@given(st.binary(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_bytes_in_a_winmail_dat_never_break_parsing(junk: bytes) -> None:
    mail = parse_mail(mail_with(b"\x78\x9f\x3e\x22\x00\x00" + junk))

    assert mail.attachments[0].filename == "winmail.dat"


def test_the_property_list_reader_keeps_what_it_read_before_an_unknown_type() -> None:
    props = properties([(0x001E, 0x3707, "lang.txt")])[4:]
    broken = struct.pack("<I", 2) + props + struct.pack("<HH", 0x7777, 0x3001)
    winmail = tnef([]) + _attribute(2, 0x00069002, bytes(14)) + _attribute(2, 0x0006800F, b"data")
    winmail += _attribute(2, 0x00069005, broken)

    assert [(a.filename, a.content) for a in decode(winmail).attachments] == [("lang.txt", b"data")]
