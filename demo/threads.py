"""The demo's conversations: realistic threads in German and English on every channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CUSTOMER = "customer"
HOUR = 60
DAY = 24 * HOUR


@dataclass(frozen=True)
class Msg:
    # "customer" or an agent's username; agents' messages go out, notes stay inside.
    who: str
    text: str
    minutes_ago: int
    kind: str = "message"
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Thread:
    key: str
    channel: str
    customer: str
    subject: str
    language: str
    status: str
    priority: int
    messages: tuple[Msg, ...]
    assignee: str = ""
    team: str = ""  # empty: the channel's default team
    tags: tuple[str, ...] = ()
    # The customer's survey answer after it was solved: (rating 1–5, comment).
    rating: tuple[int, str] | None = None


THREADS = (
    Thread(
        "lieferung-fehlt",
        "email",
        "anna",
        "Bestellung 10452 noch nicht angekommen",
        "de",
        "open",
        2,
        (
            Msg(
                CUSTOMER,
                "Hallo,\n\nich habe am Montag die Bestellung 10452 aufgegeben, laut Sendungsverfolgung "
                "sollte sie gestern ankommen. Leider ist nichts da. Können Sie nachsehen?\n\nViele Grüße\nAnna Schmidt",
                3 * DAY,
            ),
            Msg(
                "max.mueller",
                "Hallo Frau Schmidt,\n\ndanke für Ihre Nachricht. Ich habe beim Paketdienst einen "
                "Nachforschungsauftrag gestellt und melde mich spätestens morgen bei Ihnen.\n\nFreundliche Grüße\n"
                "Max Müller",
                3 * DAY - 2 * HOUR,
            ),
            Msg(
                "max.mueller",
                "DHL sagt: Paket liegt im Depot Leipzig, Zustellung morgen. Falls nicht: Ersatz schicken.",
                3 * DAY - 2 * HOUR + 5,
                kind="note",
            ),
            Msg(
                CUSTOMER,
                "Guten Morgen, das Paket ist immer noch nicht da. Langsam wird es knapp, ich brauche die "
                "Sachen am Wochenende.",
                20 * HOUR,
            ),
        ),
        assignee="max.mueller",
        tags=("lieferung",),
    ),
    Thread(
        "rechnung-doppelt",
        "email",
        "klaus",
        "Rechnung RE-2024-0815 doppelt abgebucht",
        "de",
        "open",
        4,
        (
            Msg(
                CUSTOMER,
                "Sehr geehrte Damen und Herren,\n\ndie Rechnung RE-2024-0815 über 12.480,00 € wurde "
                "zweimal von unserem Konto abgebucht. Bitte erstatten Sie den doppelten Betrag umgehend.\n\n"
                "Mit freundlichen Grüßen\nKlaus Müller\nMüller Maschinenbau GmbH",
                5 * HOUR,
            ),
            Msg(
                "jana.berger",
                "Key Account – bitte heute noch klären, Buchhaltung ist informiert.",
                4 * HOUR,
                kind="note",
            ),
            Msg(
                "jana.berger",
                "Sehr geehrter Herr Müller,\n\nSie haben recht, die Lastschrift wurde doppelt "
                "ausgelöst. Die Erstattung ist angewiesen und sollte in zwei Werktagen auf Ihrem Konto sein.\n\n"
                "Mit freundlichen Grüßen\nJana Berger",
                3 * HOUR,
            ),
        ),
        assignee="jana.berger",
        tags=("rechnung", "vip"),
    ),
    Thread(
        "angebot-wartung",
        "email",
        "petra",
        "Angebot Wartungsvertrag 2025",
        "de",
        "pending",
        3,
        (
            Msg(
                CUSTOMER,
                "Hallo Frau Wagner,\n\nkönnen Sie uns ein Angebot für die Verlängerung des "
                "Wartungsvertrags für unsere drei Standorte schicken?\n\nGruß, Petra Lange",
                6 * DAY,
            ),
            Msg(
                "sophie.wagner",
                "Hallo Frau Lange,\n\nanbei das Angebot für alle drei Standorte. Bei Abschluss bis "
                "Monatsende gewähren wir 5 % Rabatt.\n\nBeste Grüße\nSophie Wagner",
                5 * DAY,
            ),
        ),
        assignee="sophie.wagner",
        team="vertrieb",
        tags=("angebot",),
    ),
    Thread(
        "retoure-defekt",
        "email",
        "juergen",
        "Kaffeemaschine defekt – Rücksendung",
        "de",
        "solved",
        2,
        (
            Msg(
                CUSTOMER,
                "Die Kaffeemaschine, die ich vor zwei Wochen gekauft habe, macht keinen Kaffee mehr. "
                "Die Pumpe brummt nur. Wie kann ich sie zurückschicken?",
                12 * DAY,
            ),
            Msg(
                "max.mueller",
                "Guten Tag Herr Weiß,\n\ndas tut mir leid. Ich habe Ihnen ein Retourenetikett per "
                "Mail geschickt; sobald das Gerät bei uns ist, erhalten Sie ein neues.\n\nViele Grüße\nMax Müller",
                12 * DAY - 3 * HOUR,
            ),
            Msg(CUSTOMER, "Danke, das neue Gerät ist da und funktioniert. Super Service!", 8 * DAY),
        ),
        assignee="max.mueller",
        tags=("retoure",),
        rating=(5, "Unkompliziert und schnell, danke!"),
    ),
    Thread(
        "invoice-vat",
        "email",
        "sarah",
        "VAT number missing on invoice",
        "en",
        "open",
        3,
        (
            Msg(
                CUSTOMER,
                "Hi,\n\nour last three invoices are missing our VAT number (GB123456789), so our "
                "accounts team can't process them. Could you reissue them?\n\nThanks,\nSarah Johnson\nBrightside Ltd",
                2 * DAY,
            ),
            Msg(
                "emily.clarke",
                "Hi Sarah,\n\nsorry about that. I've added the VAT number to your account and asked "
                "billing to reissue the three invoices today.\n\nBest regards,\nEmily",
                2 * DAY - 90,
            ),
            Msg(CUSTOMER, "Great, thank you! Could you also send them to accounts@brightside.co.uk?", 26 * HOUR),
        ),
        assignee="emily.clarke",
        tags=("billing",),
    ),
    Thread(
        "password-reset",
        "email",
        "james",
        "Can't reset my password",
        "en",
        "new",
        2,
        (
            Msg(
                CUSTOMER,
                "Hello, I've tried to reset my password three times but the email never arrives. "
                "I checked my spam folder too. Can you help?\n\nJames",
                35,
            ),
        ),
        tags=("login",),
    ),
    Thread(
        "chat-groesse",
        "chat",
        "fatma",
        "Welche Größe bei Wanderschuhen?",
        "de",
        "solved",
        1,
        (
            Msg(CUSTOMER, "Hallo! Fallen die Trekkingschuhe Alpina eher groß oder klein aus?", 4 * DAY),
            Msg(
                "sophie.wagner",
                "Hallo! Die Alpina fallen etwa eine halbe Nummer klein aus. Bei Größe 39 empfehlen wir 39,5 oder 40.",
                4 * DAY - 2,
            ),
            Msg(CUSTOMER, "Perfekt, dann nehme ich 40. Danke!", 4 * DAY - 4),
            Msg("sophie.wagner", "Gern! Viel Spaß beim Wandern 🙂", 4 * DAY - 5),
        ),
        assignee="sophie.wagner",
        team="vertrieb",
        rating=(5, ""),
    ),
    Thread(
        "chat-login",
        "chat",
        "emily",
        "Two-factor code not accepted",
        "en",
        "open",
        3,
        (
            Msg(CUSTOMER, "Hi, my two-factor code is always rejected when I log in on my new phone.", 25),
            Msg(
                "emily.clarke",
                "Hi Emily, that usually means the phone's clock is off. Could you check that "
                "'set time automatically' is on?",
                23,
            ),
            Msg(CUSTOMER, "It was off! Trying again now…", 20),
        ),
        assignee="emily.clarke",
        tags=("login",),
    ),
    Thread(
        "chat-anonym",
        "chat",
        "besucher",
        "Versandkosten nach Österreich?",
        "de",
        "new",
        2,
        (Msg(CUSTOMER, "Hallo, was kostet der Versand nach Österreich?", 6),),
    ),
    Thread(
        "web-angebot",
        "web",
        "gerda",
        "Anfrage: Großbestellung Brotkörbe",
        "de",
        "open",
        2,
        (
            Msg(
                CUSTOMER,
                "Wir möchten 40 Brotkörbe aus Rattan für unsere Filialen bestellen. Gibt es einen "
                "Mengenrabatt und wie lange ist die Lieferzeit?",
                2 * DAY,
                metadata={
                    "form": "kontakt",
                    "fields": {
                        "name": "Gerda Schröder",
                        "firma": "Bäckerei Schröder KG",
                        "email": "info@baeckerei-schroeder.de",
                        "telefon": "+49 40 3861234",
                        "thema": "Großbestellung",
                        "menge": "40",
                    },
                },
            ),
            Msg(
                "david.smith",
                "Guten Tag Frau Schröder,\n\nab 25 Stück gewähren wir 12 % Rabatt, die Lieferzeit "
                "beträgt etwa zehn Werktage. Soll ich Ihnen ein verbindliches Angebot schicken?\n\nDavid Smith",
                2 * DAY - 4 * HOUR,
            ),
        ),
        assignee="david.smith",
        team="vertrieb",
        tags=("angebot",),
    ),
    Thread(
        "web-api",
        "web",
        "sarah",
        "API rate limit too low",
        "en",
        "on_hold",
        3,
        (
            Msg(
                CUSTOMER,
                "We keep hitting HTTP 429 on the orders endpoint during our nightly sync. Can the "
                "limit be raised for our account?",
                9 * DAY,
                metadata={
                    "form": "support",
                    "fields": {
                        "name": "Sarah Johnson",
                        "company": "Brightside Ltd",
                        "email": "sarah.johnson@brightside.co.uk",
                        "topic": "API",
                        "account_id": "BRS-2291",
                    },
                },
            ),
            Msg("tom.fischer", "Waiting for ops to approve a higher limit for BRS-2291.", 8 * DAY, kind="note"),
            Msg(
                "tom.fischer",
                "Hi Sarah, we're reviewing a higher limit for your account and will get back to you by Friday. Tom",
                8 * DAY - 10,
            ),
        ),
        assignee="tom.fischer",
        team="technik",
        tags=("api",),
    ),
    Thread(
        "anruf-router",
        "phone",
        "peter",
        "Anruf: Router verliert Verbindung",
        "de",
        "open",
        3,
        (
            Msg(
                CUSTOMER,
                "Kunde meldet: Internet bricht seit drei Tagen abends mehrfach ab. Router bereits neu "
                "gestartet. Rückruf gewünscht.",
                7 * HOUR,
                kind="call",
                metadata={
                    "call_sid": "CA5f1e0b7d2c",
                    "from": "+4930901820",
                    "duration_seconds": 312,
                    "direction": "inbound",
                    "recording": False,
                },
            ),
            Msg(
                "tom.fischer",
                "Leitungsmessung zeigt Paketverluste ab 19 Uhr, Ticket beim Netzbetreiber eröffnet.",
                6 * HOUR,
                kind="note",
            ),
        ),
        assignee="tom.fischer",
    ),
    Thread(
        "anruf-beschwerde",
        "phone",
        "klaus",
        "Anruf: Beschwerde Lieferverzug Ersatzteile",
        "de",
        "pending",
        4,
        (
            Msg(
                CUSTOMER,
                "Herr Müller verärgert: Ersatzteile für Linie 3 seit einer Woche überfällig, Produktion "
                "steht. Eskalation an Vertrieb.",
                30 * HOUR,
                kind="call",
                metadata={
                    "call_sid": "CA77ab31e9f0",
                    "from": "+497111234567",
                    "duration_seconds": 545,
                    "direction": "inbound",
                    "recording": False,
                },
            ),
            Msg(
                "jana.berger",
                "Rückruf: Teile gehen heute per Express raus, Lieferung morgen bis 10 Uhr zugesagt.",
                28 * HOUR,
                kind="call",
                metadata={
                    "call_sid": "CA8d02c4a6b1",
                    "to": "+497111234567",
                    "duration_seconds": 188,
                    "direction": "outbound",
                },
            ),
        ),
        assignee="jana.berger",
        team="vertrieb",
        tags=("beschwerde", "lieferung", "vip"),
    ),
    Thread(
        "sms-termin",
        "sms",
        "lukas",
        "Techniker-Termin verschieben",
        "de",
        "open",
        2,
        (
            Msg(CUSTOMER, "Hallo, kann der Techniker statt Donnerstag auch Freitag kommen? Gruß Lukas Hoffmann", 90),
            Msg("max.mueller", "Hallo Herr Hoffmann, Freitag zwischen 8 und 12 Uhr ist möglich. Passt das?", 80),
            Msg(CUSTOMER, "Ja, passt. Danke!", 75),
        ),
        assignee="max.mueller",
    ),
    Thread(
        "sms-delivery",
        "sms",
        "sarah",
        "Delivery slot",
        "en",
        "closed",
        1,
        (
            Msg(CUSTOMER, "Hi, can the courier leave the parcel at reception tomorrow?", 20 * DAY),
            Msg("emily.clarke", "Hi Sarah, yes – I've added that note to the delivery.", 20 * DAY - 15),
        ),
        assignee="emily.clarke",
        tags=("shipping",),
        rating=(2, "The slot was fine, but it took three messages to get it."),
    ),
)
