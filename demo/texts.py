"""Text pools for bulk tickets: subjects, first messages, replies and notes in German and English."""

from __future__ import annotations

# (subject template, first message); {n} becomes an order or invoice number.
OPENERS = {
    "de": (
        (
            "Bestellung {n} nicht angekommen",
            "Hallo,\nmeine Bestellung {n} ist immer noch nicht da. Können Sie "
            "bitte nachsehen, wo sie bleibt?\nViele Grüße",
        ),
        (
            "Rechnung {n} falsch",
            "Guten Tag,\nauf der Rechnung {n} ist der Rabatt nicht berücksichtigt. Bitte "
            "korrigieren Sie das.\nMit freundlichen Grüßen",
        ),
        (
            "Rücksendung zu Auftrag {n}",
            "Hallo, ich möchte einen Artikel aus Auftrag {n} zurückschicken. Wie funktioniert das?",
        ),
        ("Passwort vergessen", "Ich komme nicht mehr in mein Kundenkonto, die Mail zum Zurücksetzen kommt nicht an."),
        ("Frage zur Lieferzeit", "Wie lange dauert die Lieferung nach Österreich, wenn ich heute bestelle?"),
        (
            "Gerät defekt (Seriennummer {n})",
            "Das Gerät mit der Seriennummer {n} schaltet sich nach wenigen "
            "Minuten ab. Gibt es ein Update oder muss es eingeschickt werden?",
        ),
        ("Adresse ändern", "Bitte ändern Sie die Lieferadresse für Bestellung {n} auf: Hauptstraße 5, 10115 Berlin."),
        (
            "Angebot für {n} Stück",
            "Wir interessieren uns für eine größere Menge ({n} Stück). Können Sie uns ein Angebot machen?",
        ),
    ),
    "en": (
        ("Order {n} hasn't arrived", "Hi,\nmy order {n} still hasn't arrived. Could you check where it is?\nThanks"),
        ("Invoice {n} is wrong", "Hello,\nthe discount is missing on invoice {n}. Could you correct it?\nBest regards"),
        ("Return for order {n}", "Hi, I'd like to return an item from order {n}. How does that work?"),
        ("Can't log in", "I can't log in to my account and the password reset email never arrives."),
        ("Shipping to Ireland", "How long does shipping to Ireland take if I order today?"),
        (
            "Device faulty (serial {n})",
            "The device with serial number {n} switches off after a few minutes. "
            "Is there an update or do I need to send it in?",
        ),
        (
            "Change delivery address",
            "Please change the delivery address for order {n} to 5 High Street, Manchester M1 1AA.",
        ),
        ("Quote for {n} units", "We're interested in a larger quantity ({n} units). Could you send a quote?"),
    ),
}

REPLIES = {
    "de": (
        "Vielen Dank für Ihre Nachricht. Ich habe das geprüft und kümmere mich darum.",
        "Danke für die Geduld! Das ist erledigt, Sie erhalten gleich eine Bestätigung per Mail.",
        "Ich habe die Sendung beim Paketdienst nachverfolgt; sie wird morgen zugestellt.",
        "Können Sie mir bitte noch die Bestellnummer und ein Foto des Problems schicken?",
        "Die Gutschrift ist veranlasst und in drei bis fünf Werktagen auf Ihrem Konto.",
    ),
    "en": (
        "Thanks for getting in touch. I've looked into it and I'm on it.",
        "Thanks for your patience! That's done; you'll get a confirmation email shortly.",
        "I've traced the parcel with the courier; it will be delivered tomorrow.",
        "Could you send me the order number and a photo of the problem?",
        "The refund has been issued and should reach your account in three to five working days.",
    ),
}

FOLLOW_UPS = {
    "de": (
        "Danke, das hat geklappt!",
        "Leider ist das Problem immer noch da.",
        "Hier das Foto, die Bestellnummer steht im Betreff.",
        "Wann kann ich mit einer Antwort rechnen?",
    ),
    "en": (
        "Thanks, that worked!",
        "Unfortunately the problem is still there.",
        "Here's the photo; the order number is in the subject.",
        "When can I expect an answer?",
    ),
}

NOTES = {
    "de": ("Rücksprache mit Lager gehalten.", "Kunde bereits zweimal vertröstet – bitte priorisieren."),
    "en": ("Checked with the warehouse.", "Customer has been put off twice already - please prioritise."),
}

CALL_NOTES = {
    "de": "Anruf: Kunde schildert das Problem, Rückruf vereinbart.",
    "en": "Call: customer described the problem, call-back agreed.",
}

FIRST_NAMES = {
    "de": (
        "Anna",
        "Lukas",
        "Marie",
        "Jonas",
        "Sophie",
        "Felix",
        "Lena",
        "Paul",
        "Hannah",
        "Jürgen",
        "Monika",
        "Stefan",
        "Sabine",
        "Thomas",
        "Özlem",
        "Björn",
    ),
    "en": ("Oliver", "Amelia", "Jack", "Isla", "Harry", "Ava", "George", "Emily", "Noah", "Grace", "Liam", "Chloe"),
}
LAST_NAMES = {
    "de": (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Koch",
        "Weiß",
        "Schäfer",
        "Krüger",
        "Yılmaz",
        "Groß",
    ),
    "en": (
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Evans",
        "Walsh",
        "O'Brien",
        "Murphy",
    ),
}

_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ö": "Oe", "ı": "i", "'": ""})


def ascii_name(name: str) -> str:
    """A mailbox-safe form of a name (``Weiß`` → ``weiss``)."""
    return name.translate(_ASCII).lower()
