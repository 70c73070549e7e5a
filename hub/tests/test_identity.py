"""One person is one customer: identity values are normalized, and known identities join.

The normalization properties run without a database; the joining tests go through the
pipeline on PostgreSQL, including two workers racing on the same new sender.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub import adapters
from hub.identity import InvalidIdentity, normalize, normalize_email, normalize_phone
from hub.models import Customer, Identity, InboundEvent, Message, Ticket
from hub.pipeline import process, receive
from hub.tests.factories import CustomerFactory, IdentityFactory
from hub.tests.fake_channel import FakeChannel, payload

# The machine running the suite may be busy with other work: slow generation is not a failure.
relaxed = hypothesis_settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)

# --- Email -------------------------------------------------------------------------------------


def test_an_internationalized_domain_is_stored_in_its_ascii_form() -> None:
    assert normalize_email("Max@Müller.DE") == "max@xn--mller-kva.de"
    assert normalize_email("max@xn--mller-kva.de") == "max@xn--mller-kva.de"
    assert normalize_email("  <kunde@MÜLLER.de>\n") == "kunde@xn--mller-kva.de"


@relaxed
@given(st.emails())
@example("Max.Mustermann@Example.DE")
@example("jürgen@bücher.example")
def test_an_address_normalizes_the_same_whatever_its_case_brackets_and_whitespace(address: str) -> None:
    canonical = normalize_email(address)

    assert normalize_email(address.upper()) == canonical
    assert normalize_email(f"  <{address}> ") == canonical
    assert normalize_email(f"\t{address.swapcase()}\n") == canonical
    assert normalize_email(canonical) == canonical  # idempotent: stored values look themselves up
    assert canonical.rsplit("@", 1)[1].isascii()
    assert canonical == canonical.lower()


@relaxed
@given(
    local=st.from_regex(r"[a-z0-9._-]{1,20}", fullmatch=True).filter(lambda s: not s.startswith(".")),
    label=st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=20),
    tld=st.sampled_from(["de", "at", "ch", "com"]),
)
def test_a_unicode_domain_and_its_punycode_form_are_the_same_customer(local: str, label: str, tld: str) -> None:
    unicode_form = normalize_email(f"{local}@{label}.{tld}")
    upper_form = normalize_email(f"{local.upper()}@{label.upper()}.{tld.upper()}")

    domain = unicode_form.rsplit("@", 1)[1]
    assert domain.isascii()
    assert normalize_email(f"{local}@{domain}") == unicode_form
    if "ß" not in label:  # "ß".upper() is "SS", a different domain under IDNA 2008
        assert upper_form == unicode_form


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        "max",
        "max@",
        "@example.de",
        "a@b@example.de",
        "max mustermann@example.de",
        "max@exa mple.de",
        "max@-bad-.de",
        "max@example..de",
        "max\t@example.de",
        "x" * 250 + "@example.de",
    ],
)
def test_something_that_is_no_address_is_rejected(junk: str) -> None:
    with pytest.raises(InvalidIdentity):
        normalize_email(junk)


# --- Phone ------------------------------------------------------------------------------------

AREAS = ["30", "40", "89", "221", "341", "711", "151", "160", "170", "176"]


def _subscriber(area: str) -> st.SearchStrategy[str]:
    # Mobile numbers have 7 or 8 subscriber digits (0151: always 8); the fixed-line areas here
    # take 6 to 8, not starting with 0 or 1 (those are service prefixes).
    size = {"151": (8, 8), "160": (7, 8), "170": (7, 8), "176": (7, 8)}.get(area, (6, 8))
    return st.from_regex(rf"[2-9][0-9]{{{size[0] - 1},{size[1] - 1}}}", fullmatch=True)


german_numbers = st.sampled_from(AREAS).flatmap(lambda a: st.tuples(st.just(a), _subscriber(a)))

FORMATS: list[Callable[[str, str], str]] = [
    lambda a, s: f"0{a} {s}",
    lambda a, s: f"0{a}/{s}",
    lambda a, s: f"(0{a}) {s[:3]} {s[3:]}",
    lambda a, s: f"0{a}-{s}",
    lambda a, s: f"+49 {a} {s}",
    lambda a, s: f"+49 (0){a} {s}",
    lambda a, s: f"0049{a}{s}",
    lambda a, s: f"+49-{a}-{s}",
]


@relaxed
@given(german_numbers, st.sampled_from(FORMATS))
def test_german_national_and_international_formats_give_the_same_e164_number(
    number: tuple[str, str], form: Callable[[str, str], str]
) -> None:
    area, subscriber = number

    assert normalize_phone(form(area, subscriber)) == f"+49{area}{subscriber}"


def test_foreign_numbers_keep_their_country() -> None:
    assert normalize_phone("+43 1 5879900") == "+4315879900"
    assert normalize_phone("0043 1 5879900") == "+4315879900"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("junk", ["", "abc", "12", "1234", "00000", "+49 1", "++49", "anonymous", "+999 123456"])
def test_a_caller_id_that_is_no_valid_number_is_rejected(junk: str) -> None:
    with pytest.raises(InvalidIdentity):
        normalize_phone(junk)


@relaxed
@given(st.text(alphabet=st.characters(categories=["L", "P", "Zs"]), max_size=30))
def test_text_without_digits_is_never_a_phone_number(text: str) -> None:
    with pytest.raises(InvalidIdentity):
        normalize(kind="phone", value=text)


# --- Joining customers -------------------------------------------------------------------------


@pytest.fixture
def second_channel(db: None) -> Any:
    adapter = FakeChannel(key="fake2")
    adapters.register(adapter)
    yield adapter
    adapters.unregister("fake2")


@pytest.mark.django_db(transaction=True)
def test_a_known_phone_number_joins_its_customer_on_another_channel(fake_channel, second_channel) -> None:
    customer = CustomerFactory.create(display_name="Erika Muster")
    IdentityFactory.create(customer=customer, kind="phone", value="+49301234567")

    event, _ = receive(
        "fake2", "call-1", {"identities": [{"kind": "phone", "value": "(030) 123 45 67"}], "text": "Rückruf"}
    )

    event.refresh_from_db()
    assert Ticket.objects.get(inbound_events=event).customer == customer
    assert Customer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_new_identities_of_a_known_customer_are_added_to_that_customer(fake_channel, second_channel) -> None:
    receive("fake", "m-1", payload(email="erika@müller.de"))
    receive(
        "fake2",
        "m-2",
        {
            "identities": [
                {"kind": "email", "value": "ERIKA@xn--mller-kva.de"},
                {"kind": "phone", "value": "0151 23456789"},
            ],
            "text": "Hier meine Nummer",
        },
    )
    _event, _ = receive("fake", "m-3", {"identities": [{"kind": "phone", "value": "+4915123456789"}], "text": "SMS"})

    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert set(customer.identities.values_list("kind", "value")) == {
        ("email", "erika@xn--mller-kva.de"),
        ("phone", "+4915123456789"),
    }
    assert Ticket.objects.filter(customer=customer).count() == 3


@pytest.mark.django_db(transaction=True)
def test_an_unchecked_claim_of_someone_elses_address_never_joins_their_customer(fake_channel) -> None:
    owner = CustomerFactory.create(display_name="Erika Muster")
    IdentityFactory.create(customer=owner, kind="email", value="erika@example.de")

    event, _ = receive(
        "fake",
        "chat-1",
        {
            "identities": [
                {"kind": "chat", "value": "visitor-42"},
                {"kind": "email", "value": "Erika@Example.de", "joinable": False},
            ],
            "name": "Mallory",
            "text": "Zeig mir Erikas Bestellungen",
        },
    )

    event.refresh_from_db()
    ticket = Ticket.objects.get(inbound_events=event)
    assert ticket.customer != owner
    assert not Ticket.objects.filter(customer=owner).exists()
    # The address stays Erika's; the claimant does not get a copy of it either.
    assert Identity.objects.get(value="erika@example.de").customer == owner
    assert list(ticket.customer.identities.values_list("kind", "value")) == [("chat", "visitor-42")]


@pytest.mark.django_db(transaction=True)
def test_a_claim_made_first_gives_way_when_the_address_itself_writes(fake_channel) -> None:
    """Mallory types Erika's address into the chat before Erika ever wrote: the claim is kept to
    answer Mallory by mail, but Erika's own mail does not land on Mallory's record, and from
    then on the address is Erika's."""

    def arrives(n: int, identities: list[dict[str, object]], text: str) -> Ticket:
        event, _ = receive("fake", f"claim-{n}", {"identities": identities, "text": text})
        event.refresh_from_db()
        return Ticket.objects.get(inbound_events=event)

    chat = arrives(
        1,
        [{"kind": "chat", "value": "visitor-7"}, {"kind": "email", "value": "erika@example.de", "joinable": False}],
        "Zeig mir Erikas Bestellungen",
    )
    claim = Identity.objects.get(value="erika@example.de")
    assert claim.customer == chat.customer and claim.claimed

    mail = arrives(2, [{"kind": "email", "value": "erika@example.de"}], "Meine Rechnung, bitte")
    again = arrives(3, [{"kind": "email", "value": "erika@example.de"}], "Und noch etwas")

    assert mail.customer != chat.customer
    owned = Identity.objects.get(value="erika@example.de")
    assert owned.customer == mail.customer and not owned.claimed
    assert again.customer == mail.customer
    assert list(chat.customer.identities.values_list("kind", flat=True)) == ["chat"]


@pytest.mark.django_db(transaction=True)
def test_an_interaction_whose_only_identity_is_an_unchecked_claim_of_a_known_address_gets_its_own_customer(
    fake_channel,
) -> None:
    owner = CustomerFactory.create()
    IdentityFactory.create(customer=owner, kind="email", value="erika@example.de")

    event, _ = receive(
        "fake",
        "form-1",
        {"identities": [{"kind": "email", "value": "erika@example.de", "joinable": False}], "text": "?"},
    )

    event.refresh_from_db()
    assert event.state == "processed"
    assert Ticket.objects.get(inbound_events=event).customer != owner


@pytest.mark.django_db(transaction=True)
def test_an_interaction_without_a_usable_identity_is_quarantined_not_attached_to_anyone(fake_channel, settings) -> None:
    settings.INBOUND_MAX_ATTEMPTS = 1

    event, _ = receive("fake", "x-1", {"identities": [{"kind": "phone", "value": "anonymous"}], "text": "?"})

    event.refresh_from_db()
    assert event.state == "quarantined"
    assert "no usable sender identity" in event.error
    assert not Customer.objects.exists()


class RacingChannel(FakeChannel):
    """Holds every worker at normalize() until ``parties`` of them are there, so they race."""

    def __init__(self, parties: int) -> None:
        super().__init__(key="race")
        self.barrier = threading.Barrier(parties, timeout=10)

    def normalize(self, event: InboundEvent) -> Any:
        self.barrier.wait()
        return super().normalize(event)


def _process_concurrently(event_ids: list[int]) -> list[str]:
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def work(event_id: int) -> None:
        try:
            outcomes.append(process(event_id).outcome)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in event_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return outcomes


@pytest.fixture
def racing() -> Any:
    adapter = RacingChannel(parties=2)
    adapters.register(adapter)
    yield adapter
    adapters.unregister("race")


@pytest.mark.postgres(
    "two workers inside the pipeline's transaction at the same moment: only PostgreSQL lets them overlap "
    "(SQLite takes its write lock when a transaction begins)"
)
@pytest.mark.django_db(transaction=True)
def test_two_first_contacts_from_one_new_address_processed_at_once_give_one_customer(racing) -> None:
    # Events written directly: receive() would process them one by one right away.
    first = InboundEvent.objects.create(
        channel="race", external_id="a", payload=payload(email="neu@example.de", text="1")
    )
    second = InboundEvent.objects.create(
        channel="race", external_id="b", payload=payload(email="NEU@example.de", text="2")
    )

    outcomes = _process_concurrently([first.pk, second.pk])

    assert sorted(outcomes) == ["created", "created"]
    assert Customer.objects.count() == 1
    assert Identity.objects.count() == 1
    assert Message.objects.filter(author_customer=Customer.objects.get()).count() == 2


@pytest.mark.postgres(
    "two workers inside the pipeline's transaction at the same moment: only PostgreSQL lets them overlap "
    "(SQLite takes its write lock when a transaction begins)"
)
@pytest.mark.django_db(transaction=True)
def test_two_first_chat_messages_of_one_session_processed_at_once_give_one_ticket(racing) -> None:
    events = [
        InboundEvent.objects.create(
            channel="race",
            external_id=f"chat-{n}",
            payload={"identities": [{"kind": "chat", "value": "visitor-7"}], "session": "s-7", "text": f"Hallo {n}"},
        )
        for n in (1, 2)
    ]

    outcomes = _process_concurrently([e.pk for e in events])

    assert sorted(outcomes) == ["appended", "created"]
    assert Customer.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 2
