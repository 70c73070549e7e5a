"""The customer's language and mood, read from their words and used by routing."""

from __future__ import annotations

import pytest

from hub.models import Priority
from hub.tests.fake_channel import FakeChannel
from hub.tests.test_routing_rules import mail, rule
from hub.textsignals import detect_language, frustration


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hallo, meine Bestellung ist noch nicht angekommen. Können Sie bitte nachsehen?", "de"),
        ("Hello, my order has not arrived yet. Could you please check where it is?", "en"),
        ("Bonjour, ma commande n'est toujours pas arrivée. Pouvez-vous vérifier ?", "fr"),
        ("Buongiorno, il mio ordine non è ancora arrivato. Potete controllare?", "it"),
    ],
)
def test_the_language_of_a_message_is_detected(text: str, language: str) -> None:
    assert detect_language("", text) == language


def test_too_little_text_has_no_language_rather_than_a_wrong_one() -> None:
    assert detect_language("Re:", "ok 123") == ""


def test_an_angry_complaint_scores_low_and_thanks_score_high() -> None:
    angry = frustration("Das ist eine Frechheit! Ich warte zum dritten Mal auf eine Antwort!!! Ich kündige.")
    neutral = frustration("Bitte senden Sie mir die Rechnung für Bestellung 4711 noch einmal zu.")
    pleased = frustration("Vielen Dank, das hat perfekt geklappt!")
    assert angry is not None and neutral is not None and pleased is not None
    assert angry <= -0.8 < neutral == 0 < pleased


def test_negated_praise_counts_as_a_complaint() -> None:
    score = frustration("I am not happy with the repair, it is still not working.")
    assert score is not None and score < 0


def test_shouting_in_capitals_lowers_the_score() -> None:
    calm = frustration("where is my parcel, I ordered it two weeks ago")
    loud = frustration("WHERE IS MY PARCEL, I ORDERED IT TWO WEEKS AGO")
    assert calm is not None and loud is not None and loud < calm


@pytest.mark.django_db(transaction=True)
def test_a_mail_in_english_is_routed_by_its_detected_language(fake_channel: FakeChannel) -> None:
    rule(
        "English to high",
        conditions=[{"field": "language", "op": "equals", "value": "en"}],
        actions=[{"type": "set_priority", "value": "high"}],
    )

    english = mail(1, subject="Missing parcel", text="Hello, my parcel has not arrived yet, could you check?")
    german = mail(2, email="eva@example.de", subject="Paket fehlt", text="Hallo, mein Paket ist nicht angekommen.")

    assert (english.language, english.priority) == ("en", Priority.HIGH)
    assert (german.language, german.priority) == ("de", Priority.NORMAL)
    assert german.customer.language == "de"


@pytest.mark.django_db(transaction=True)
def test_an_angry_reply_lowers_the_tickets_sentiment_and_a_rule_escalates_it(fake_channel: FakeChannel) -> None:
    rule(
        "Frustrated customers",
        conditions=[{"field": "sentiment", "op": "lt", "value": -0.5}],
        actions=[{"type": "set_priority", "value": "urgent"}],
        triggers=["ticket_created", "customer_replied"],
    )

    calm = mail(1, subject="Rechnung", text="Bitte schicken Sie mir die Rechnung noch einmal.")
    assert calm.sentiment == 0 and calm.priority == Priority.NORMAL
    angry = mail(
        2, text="Das ist unverschämt, ich warte immer noch auf eine Antwort!!! Ich kündige.", ticket_id=calm.pk
    )

    assert angry.pk == calm.pk
    assert angry.sentiment is not None and angry.sentiment < -0.5
    assert angry.priority == Priority.URGENT
