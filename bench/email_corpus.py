"""Deterministic, varied RFC 822 mails for the email ingest benchmark.

The mix follows a support mailbox: plain text and HTML, multipart with attachments (a logo
that recurs in many signatures, PDFs, inline images), German and English, replies that quote
earlier mail and carry In-Reply-To/References, out-of-office replies and bounces. Content is
a function of the seed; only the Message-IDs carry a run token, so a rerun against the same
database is new mail, not a pile of duplicates.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

_FIRST = ("Anna", "Jonas", "Lea", "Felix", "Sarah", "Tom", "Marie", "Lukas", "Emma", "Paul", "Mia", "Ben", "Olivia")
_LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Smith", "Jones", "Brown", "Taylor")
_DOMAINS = ("example.de", "example.com", "beispiel-gmbh.de", "shop.example.org", "mail.example.net")
_SUBJECTS = {
    "de": (
        "Rechnung {n} doppelt abgebucht",
        "Lieferung noch nicht angekommen (Bestellung {n})",
        "Passwort zurücksetzen funktioniert nicht",
        "Frage zu meinem Vertrag Nr. {n}",
        "Rücksendung Artikel {n}",
        "Änderung der Lieferadresse",
    ),
    "en": (
        "Invoice {n} charged twice",
        "Order {n} has not arrived",
        "Cannot reset my password",
        "Question about contract no. {n}",
        "Return of item {n}",
        "Change of delivery address",
    ),
}
_BODIES = {
    "de": (
        "Guten Tag,\n\nich habe am Montag eine Bestellung aufgegeben und bisher keine Versandbestätigung "
        "erhalten. Können Sie bitte nachsehen, wo meine Sendung bleibt?\n\nVielen Dank und freundliche Grüße\n{name}",
        "Hallo zusammen,\n\nauf meiner Kreditkartenabrechnung ist der Betrag zweimal abgebucht worden. "
        "Bitte erstatten Sie mir den doppelten Betrag zurück.\n\nMit freundlichen Grüßen\n{name}",
        "Sehr geehrte Damen und Herren,\n\nder Link zum Zurücksetzen des Passworts ist abgelaufen, bevor "
        "die E-Mail ankam. Ich habe es dreimal versucht.\n\nGrüße\n{name}",
    ),
    "en": (
        "Hello,\n\nI ordered on Monday and still have no shipping confirmation. Could you please check "
        "where my parcel is?\n\nThanks and best regards,\n{name}",
        "Hi team,\n\nmy credit card statement shows the amount twice. Please refund the duplicate "
        "charge.\n\nKind regards,\n{name}",
        "Dear support,\n\nthe password reset link expired before the email arrived. I tried three "
        "times now.\n\nBest,\n{name}",
    ),
}
_REPLY_BODIES = {
    "de": ("Danke für die schnelle Antwort. Das Paket ist leider immer noch nicht da.", "Anbei die Unterlagen."),
    "en": ("Thanks for the quick answer. Unfortunately the parcel still has not arrived.", "Attached the documents."),
}
# A small PNG: the logo in every signature of one company, stored once by content hash.
_LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
_START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    name: str
    address: str
    language: str


@dataclass
class Mail:
    raw: bytes
    kind: str  # plain, html, alternative, attachments, reply, auto_reply, bounce
    message_id: str
    sender: str


@dataclass
class Corpus:
    """Generates mails; remembers what it sent so later mails can reply to earlier ones."""

    seed: int
    run: str  # token in every Message-ID of this run
    people: int = 600
    rng: random.Random = field(init=False)
    sent: list[tuple[Person, str, str, str]] = field(default_factory=list)  # person, msgid, subject, text
    _count: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        pick = random.Random(self.seed + 1)
        self._people = [
            Person(
                f"{pick.choice(_FIRST)} {pick.choice(_LAST)}",
                f"kunde{n}.{self.seed}@{pick.choice(_DOMAINS)}",
                "de" if pick.random() < 0.6 else "en",
            )
            for n in range(self.people)
        ]

    # -- building blocks --------------------------------------------------------------------

    def _msgid(self) -> str:
        self._count += 1
        return f"<{self.run}.{self._count}@bench.example>"

    def _date(self) -> str:
        return format_datetime(_START + timedelta(seconds=37 * self._count))

    @staticmethod
    def _header(name: str, value: str) -> str:
        if value.isascii():
            return f"{name}: {value}"
        encoded = base64.b64encode(value.encode()).decode()
        return f"{name}: =?utf-8?b?{encoded}?="

    def _head(self, person: Person, subject: str, msgid: str, extra: list[str] | None = None) -> list[str]:
        name = f'"{person.name}"' if person.name.isascii() else self._header("", person.name)[2:]
        return [
            f"From: {name} <{person.address}>",
            "To: Support <support@hub.example>",
            self._header("Subject", subject),
            f"Date: {self._date()}",
            f"Message-ID: {msgid}",
            "MIME-Version: 1.0",
            *(extra or []),
        ]

    @staticmethod
    def _text_part(text: str) -> list[str]:
        body = base64.encodebytes(text.encode()).decode().rstrip("\n")
        return ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", body]

    @staticmethod
    def _html(text: str, with_logo: bool) -> str:
        paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
        logo = '<p><img src="cid:logo@example" alt="Logo"></p>' if with_logo else ""
        tracker = '<img src="https://tracker.example/pixel.gif" width="1" height="1">'
        head = "<html><head><style>p{margin:0}</style></head>"
        return f'{head}<body><div dir="ltr">{paragraphs}</div>{logo}{tracker}</body></html>'

    @staticmethod
    def _html_part(html: str) -> list[str]:
        body = base64.encodebytes(html.encode()).decode().rstrip("\n")
        return ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", body]

    @staticmethod
    def _multipart(subtype: str, boundary: str, parts: list[list[str]]) -> list[str]:
        lines = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"', ""]
        for part in parts:
            lines += [f"--{boundary}", *part]
        lines.append(f"--{boundary}--")
        return lines

    def _attachment(self, name: str, ctype: str, data: bytes, inline_cid: str = "") -> list[str]:
        head = [f'Content-Type: {ctype}; name="{name}"', "Content-Transfer-Encoding: base64"]
        if inline_cid:
            head += [f"Content-ID: <{inline_cid}>", f'Content-Disposition: inline; filename="{name}"']
        else:
            head.append(f'Content-Disposition: attachment; filename="{name}"')
        return [*head, "", base64.encodebytes(data).decode().rstrip("\n")]

    def _pdf(self) -> bytes:
        size = self.rng.choice((2_000, 8_000, 30_000))
        return b"%PDF-1.4\n" + self.rng.randbytes(size) + b"\n%%EOF\n"

    @staticmethod
    def _bytes(lines: list[str]) -> bytes:
        return ("\r\n".join(lines) + "\r\n").encode()

    # -- kinds of mail ----------------------------------------------------------------------

    def new_mail(self, kind: str) -> Mail:
        person = self.rng.choice(self._people)
        lang = person.language
        subject = self.rng.choice(_SUBJECTS[lang]).format(n=self.rng.randint(10000, 99999))
        text = self.rng.choice(_BODIES[lang]).format(name=person.name)
        msgid = self._msgid()
        head = self._head(person, subject, msgid)
        boundary = f"b{self._count}x"
        if kind == "plain":
            body = self._text_part(text)
        elif kind == "html":
            body = self._html_part(self._html(text, with_logo=False))
        elif kind == "alternative":
            body = self._multipart(
                "alternative", boundary, [self._text_part(text), self._html_part(self._html(text, False))]
            )
        else:  # attachments: related HTML with the inline logo, plus one or two files
            related = self._multipart(
                "related",
                boundary + "r",
                [
                    self._html_part(self._html(text, True)),
                    self._attachment("logo.png", "image/png", _LOGO, "logo@example"),
                ],
            )
            alternative = self._multipart("alternative", boundary + "a", [self._text_part(text), related])
            files = [self._attachment(f"Rechnung-{self._count}.pdf", "application/pdf", self._pdf())]
            if self.rng.random() < 0.4:
                files.append(self._attachment("scan.jpg", "image/jpeg", self.rng.randbytes(4_000)))
            body = self._multipart("mixed", boundary, [alternative, *files])
        self.sent.append((person, msgid, subject, text))
        return Mail(self._bytes(head + body), kind, msgid, person.address)

    def reply(self, to: tuple[Person, str, str, str], references: list[str] | None = None) -> Mail:
        """A reply of ``to``'s sender to the mail ``to``: thread headers, prefix, quoted text."""
        person, parent, subject, quoted = to
        lang = person.language
        prefix = "AW" if lang == "de" else "Re"
        text = self.rng.choice(_REPLY_BODIES[lang])
        intro = (
            "Am 03.03.2025 um 09:12 schrieb Support:" if lang == "de" else "On Mon, 3 Mar 2025 at 09:12, Support wrote:"
        )
        body_text = f"{text}\n\n{person.name}\n\n{intro}\n" + "\n".join(f"> {line}" for line in quoted.splitlines())
        msgid = self._msgid()
        refs = " ".join([*(references or []), parent])
        head = self._head(person, f"{prefix}: {subject}", msgid, [f"In-Reply-To: {parent}", f"References: {refs}"])
        self.sent.append((person, msgid, f"{prefix}: {subject}", text))
        return Mail(self._bytes(head + self._text_part(body_text)), "reply", msgid, person.address)

    def reply_to_earlier(self) -> Mail:
        return self.reply(self.rng.choice(self.sent))

    def auto_reply(self) -> Mail:
        person = self.rng.choice(self._people)
        de = person.language == "de"
        subject = "Abwesenheitsnotiz: Ihre Anfrage" if de else "Out of office: your request"
        text = (
            "Ich bin bis zum 14.03. nicht im Büro und lese meine E-Mails nicht."
            if de
            else "I am out of the office until March 14 with no access to email."
        )
        msgid = self._msgid()
        head = self._head(person, subject, msgid, ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"])
        return Mail(self._bytes(head + self._text_part(text)), "auto_reply", msgid, person.address)

    def bounce(self) -> Mail:
        """A Postfix-style delivery status report for a mail to one of the customers."""
        person = self.rng.choice(self._people)
        msgid = self._msgid()
        boundary = f"bounce{self._count}"
        original = f"<ticket-0.msg-0.000000000000@hub.example{self._count}>"
        head = [
            "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)",
            "To: support@hub.example",
            "Subject: Undelivered Mail Returned to Sender",
            f"Date: {self._date()}",
            f"Message-ID: {msgid}",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-replied",
        ]
        notice = ["Content-Type: text/plain; charset=us-ascii", "", "This is the mail system at host mx.example.net.",
                  "", f"<{person.address}>: host mx said: 550 5.1.1 User unknown"]  # fmt: skip
        status = ["Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.net", "",
                  f"Final-Recipient: rfc822; {person.address}", "Action: failed", "Status: 5.1.1",
                  "Diagnostic-Code: smtp; 550 5.1.1 User unknown"]  # fmt: skip
        headers = ["Content-Type: text/rfc822-headers", "", f"Message-ID: {original}", "From: support@hub.example",
                   f"To: {person.address}", "Subject: Re: Ihre Anfrage"]  # fmt: skip
        lines = [*head, f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"', ""]
        for part in (notice, status, headers):
            lines += [f"--{boundary}", *part]
        lines.append(f"--{boundary}--")
        return Mail(self._bytes(lines), "bounce", msgid, "MAILER-DAEMON@mx.example.net")

    def mix(self, count: int) -> list[Mail]:
        """``count`` mails in a support mailbox's proportions; replies refer to earlier ones."""
        kinds = (
            ("plain", 0.22), ("html", 0.08), ("alternative", 0.22), ("attachments", 0.13),
            ("reply", 0.27), ("auto_reply", 0.05), ("bounce", 0.03),
        )  # fmt: skip
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        mails = []
        for _ in range(count):
            kind = self.rng.choices(names, weights)[0]
            if kind == "reply" and self.sent:
                mails.append(self.reply_to_earlier())
            elif kind == "auto_reply":
                mails.append(self.auto_reply())
            elif kind == "bounce":
                mails.append(self.bounce())
            else:
                mails.append(self.new_mail("plain" if kind == "reply" else kind))
        return mails
