"""Finding tickets (hub.search.tickets): words, phrases, exclusions, OR, inline filters, scope.

Most of these hold on both databases (PostgreSQL's full-text search and SQLite's substring
fallback); stemming and the two query plans are PostgreSQL's and marked so.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.access import visible_tickets
from hub.models import Agent, Identity, Message, MessageKind, Role, Tag, Ticket, TicketStatus
from hub.search import SearchError, parse, search_tickets
from hub.search import tickets as search_module
from hub.tests.factories import (
    AgentFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    OrganizationFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def found(agent: Agent, text: str) -> set[int]:
    return set(search_tickets(visible_tickets(agent), parse(text), agent).values_list("pk", flat=True))


def ticket(subject: str = "Allgemeine Anfrage", *texts: str, **fields: object) -> Ticket:
    t = TicketFactory.create(subject=subject, **fields)
    for text in texts:
        MessageFactory.create(ticket=t, text=text)
    return t


@pytest.fixture
def admin(db: None) -> Agent:
    return AgentFactory.create(role=Role.ADMIN)


def test_a_word_finds_tickets_by_subject_by_any_message_and_by_a_note(admin):
    by_subject = ticket("Kaffeemaschine tropft")
    by_message = ticket("Frage", "Hallo, die Kaffeemaschine ist kaputt.", "Danke!")
    by_note = ticket("Frage")
    MessageFactory.create(ticket=by_note, kind=MessageKind.NOTE, text="Kaffeemaschine beim Lager anfragen")
    ticket("Frage", "Der Wasserkocher ist kaputt.")

    assert found(admin, "kaffeemaschine") == {by_subject.pk, by_message.pk, by_note.pk}


def test_all_words_must_match_but_may_be_in_different_messages(admin):
    both = ticket("Lieferung", "Das Paket kam nicht", "Es war ein Toaster")
    ticket("Lieferung", "Das Paket kam nicht")

    assert found(admin, "paket toaster") == {both.pk}
    assert found(admin, "lieferung toaster") == {both.pk}


def test_text_written_by_the_hub_itself_is_not_searched(admin):
    t = ticket("Frage", "Mein Drucker streikt")
    MessageFactory.create(ticket=t, kind=MessageKind.SYSTEM, text="Eingangsbestätigung: wir melden uns")

    assert found(admin, "eingangsbestätigung") == set()
    assert found(admin, "drucker") == {t.pk}


def test_an_agent_never_finds_another_teams_tickets_or_their_text(agent, team, other_team):
    ours = ticket("Rückfrage Vertrag", "Vertragsnummer 5521", team=team)
    theirs = ticket("Vertrag gekündigt", "Vertragsnummer 5521 geheim", team=other_team)
    mine_elsewhere = ticket("Vertrag", "Vertragsnummer 5521", team=other_team, assignee=agent)

    assert found(agent, "5521") == {ours.pk, mine_elsewhere.pk}
    assert found(agent, "geheim") == set()
    assert theirs.pk not in found(agent, "vertrag")
    assert found(agent, f"#{theirs.pk}") == set()


def test_a_solved_or_closed_ticket_is_found_like_an_open_one(admin):
    solved = ticket("Rücksendung Schuhe", status=TicketStatus.SOLVED)
    closed = ticket("Rücksendung Jacke", status=TicketStatus.CLOSED)

    assert found(admin, "rücksendung") == {solved.pk, closed.pk}


def test_a_phrase_needs_its_words_together_and_in_order(admin):
    phrase = ticket("Paket", "Meine Bestellung ist nicht angekommen.")
    apart = ticket("Paket", "Angekommen ist sie, nur leider nicht vollständig.")

    assert found(admin, '"nicht angekommen"') == {phrase.pk}
    assert found(admin, "nicht angekommen") == {phrase.pk, apart.pk}
    assert found(admin, "„nicht angekommen“") == {phrase.pk}


def test_a_minus_excludes_a_word_or_phrase(admin):
    plain = ticket("Rechnung offen", "Bitte um Zahlungsaufschub")
    credited = ticket("Rechnung offen", "Gutschrift ist unterwegs")

    assert found(admin, "rechnung -gutschrift") == {plain.pk}
    assert found(admin, 'rechnung -"ist unterwegs"') == {plain.pk}
    assert found(admin, "-gutschrift") >= {plain.pk}
    assert credited.pk not in found(admin, "-gutschrift")


def test_or_finds_either_word_and_binds_its_neighbours_only(admin):
    versand = ticket("Versand nach Wien", "Paketdienst")
    lieferung = ticket("Lieferung nach Graz", "Paketdienst")
    ticket("Lieferung nach Linz", "Spedition")

    assert found(admin, "versand OR lieferung") == {versand.pk, lieferung.pk, *found(admin, "linz")}
    assert found(admin, "versand OR lieferung paketdienst") == {versand.pk, lieferung.pk}


def test_a_ticket_number_finds_that_ticket_and_a_bare_number_also_the_text(admin):
    one = ticket("Anfrage")
    mentions = ticket("Anfrage", f"Siehe Vorgang {one.pk}")

    assert found(admin, f"#{one.pk}") == {one.pk}
    assert found(admin, str(one.pk)) == {one.pk, mentions.pk}


class TestInlineFilters:
    def test_status_by_value_or_name_in_either_language(self, admin):
        solved = ticket("Drucker", status=TicketStatus.SOLVED)
        open_ = ticket("Drucker", status=TicketStatus.OPEN)

        assert found(admin, "drucker status:solved") == {solved.pk}
        assert found(admin, "drucker status:gelöst") == {solved.pk}
        assert found(admin, "drucker status:open,solved") == {solved.pk, open_.pk}
        assert found(admin, "drucker status:open status:solved") == {solved.pk, open_.pk}
        assert found(admin, "drucker -status:solved") == {open_.pk}

    def test_channel(self, admin):
        chat = ticket("Router", origin_channel="chat")
        ticket("Router", origin_channel="email")

        assert found(admin, "router channel:chat") == {chat.pk}
        assert found(admin, "status:new kanal:chat") >= {chat.pk}

    def test_from_by_whole_address_part_of_it_or_name(self, admin):
        anna = CustomerFactory.create(display_name="Anna Berger")
        IdentityFactory.create(customer=anna, value="anna.berger@beispiel.de")
        hers = ticket("Drucker", customer=anna)
        ticket("Drucker", customer=CustomerFactory.create(display_name="Bernd Ahn"))

        assert found(admin, "from:Anna.Berger@Beispiel.de") == {hers.pk}
        assert found(admin, "drucker from:berger@") == {hers.pk}
        assert found(admin, "drucker von:anna") == {hers.pk}
        assert found(admin, "from:nobody@nowhere.example") == set()

    def test_customer_and_organization(self, admin):
        org = OrganizationFactory.create(name="Bäckerei Sonnenschein")
        member = CustomerFactory.create(organization=org)
        of_org = ticket("Brötchen", customer=member)
        other = ticket("Brötchen")

        assert found(admin, f"customer:{member.pk}") == {of_org.pk}
        assert found(admin, f"org:{org.pk}") == {of_org.pk}
        assert found(admin, "brötchen org:sonnenschein") == {of_org.pk}
        assert found(admin, "brötchen -org:sonnenschein") == {other.pk}

    def test_tag(self, admin):
        vip = ticket("Angebot")
        vip.tags.add(Tag.objects.create(name="vip"))
        ticket("Angebot")

        assert found(admin, "angebot tag:vip") == {vip.pk}
        assert found(admin, "angebot tag:VIP") == {vip.pk}
        assert vip.pk not in found(admin, "angebot -tag:vip")

    def test_team_by_slug_name_or_none(self, admin, team, other_team):
        billing = ticket("Mahnung", team=other_team)
        support = ticket("Mahnung", team=team)
        nobody = ticket("Mahnung")

        assert found(admin, "mahnung team:billing") == {billing.pk}
        assert found(admin, 'mahnung team:"Support"') == {support.pk}
        assert found(admin, "mahnung team:none") == {nobody.pk}

    def test_assignee_me_none_or_a_name(self, admin, agent):
        mine = ticket("Kabel", assignee=admin)
        theirs = ticket("Kabel", assignee=agent)
        nobody = ticket("Kabel")

        assert found(admin, "kabel assignee:me") == {mine.pk}
        assert found(admin, "kabel bearbeiter:ich") == {mine.pk}
        assert found(admin, "kabel assignee:none") == {nobody.pk}
        assert found(admin, f"kabel assignee:{agent.user.username}") == {theirs.pk}

    def test_before_and_after_the_day_a_ticket_was_created(self, admin):
        now = timezone.now()
        old = ticket("Zähler", created_at=now - timedelta(days=40))
        new = ticket("Zähler", created_at=now - timedelta(days=2))
        day = timezone.localdate(now - timedelta(days=10))

        assert found(admin, f"zähler before:{day.isoformat()}") == {old.pk}
        assert found(admin, f"zähler after:{day:%d.%m.%Y}") == {new.pk}
        assert found(admin, "zähler after:7d") == {new.pk}

    def test_filters_alone_need_no_words(self, admin):
        solved = ticket("Irgendwas", status=TicketStatus.SOLVED)

        assert solved.pk in found(admin, "status:solved")

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("status:bogus", "bogus"),
            ("team:nirgendwo", "nirgendwo"),
            ("assignee:niemandkennt", "niemandkennt"),
            ("before:morgen", "morgen"),
            ("customer:abc", "abc"),
        ],
    )
    def test_a_value_that_names_nothing_is_an_error_naming_it(self, admin, text, message):
        with pytest.raises(SearchError, match=message):
            found(admin, text)

    def test_an_unknown_filter_name_is_searched_as_text(self, admin):
        t = ticket("Termin", "Uhrzeit 10:30 passt")

        assert found(admin, "10:30") == {t.pk}


@pytest.mark.postgres(reason="stemming is PostgreSQL's full-text search; SQLite matches substrings")
class TestStemming:
    def test_a_german_plural_finds_the_singular_and_back(self, admin):
        one = ticket("Frage", "Die Rechnung ist falsch.")
        many = ticket("Frage", "Alle Rechnungen sind doppelt.")

        assert found(admin, "Rechnungen") == {one.pk, many.pk}
        assert found(admin, "rechnung") == {one.pk, many.pk}

    def test_an_english_plural_finds_the_singular_and_back(self, admin):
        one = ticket("Question", "The invoice is wrong.")
        many = ticket("Question", "Both invoices are missing.")

        assert found(admin, "invoices") == {one.pk, many.pk}
        assert found(admin, "invoice") == {one.pk, many.pk}

    def test_umlauts_match_as_written(self, admin):
        t = ticket("Größe", "Die Schuhgröße passt nicht, bitte Umtausch.")

        assert found(admin, "größe umtausch") == {t.pk}

    def test_a_word_one_language_drops_as_a_stop_word_still_counts_in_the_other(self, admin):
        t = ticket("Frage", "the die is cast")

        assert t.pk in found(admin, '"die is cast"')


PLANS = {
    # The words' postings read off the index, the candidates read by id.
    "index": {},
    # More candidates than CANDIDATES: the walk down the list, each ticket checked.
    "overflow": {"CANDIDATES": 1},
    # Common by the planner's estimate and in the sample of the newest tickets: the walk at once.
    "walk": {"GIN_ROWS": -1, "SAMPLE_COMMON": 0},
    # Common by the estimate but not among the newest: the index after all.
    "sampled": {"GIN_ROWS": -1, "SAMPLE_COMMON": 10**9},
}


@pytest.mark.postgres(reason="the query plans are PostgreSQL's")
class TestPlans:
    @pytest.mark.parametrize("plan", PLANS)
    def test_every_plan_gives_the_same_answer(self, admin, agent, team, monkeypatch, plan):
        theirs = {ticket("Fahrrad Bremse", team=team).pk for _ in range(3)}
        solved = ticket("Fahrrad Kette", "Bremse", team=team, status=TicketStatus.SOLVED).pk
        other = ticket("Fahrrad Bremse").pk
        ticket("Roller Bremse", team=team)
        for name, value in PLANS[plan].items():
            monkeypatch.setattr(search_module, name, value)

        assert found(admin, "fahrrad") == {*theirs, solved, other}
        assert found(agent, "fahrrad") == {*theirs, solved}
        assert found(admin, "fahrrad bremse -status:solved") == {*theirs, other}
        assert found(admin, "fahrrad -kette") == {*theirs, other}
        assert found(admin, '"fahrrad bremse" OR kette') == {*theirs, solved, other}
        assert found(admin, "zzyzxwortgibtesnicht") == set()

    @pytest.mark.parametrize("plan", PLANS)
    def test_a_lone_number_finds_the_ticket_on_every_plan(self, admin, monkeypatch, plan):
        one = ticket("Anfrage")
        mentions = [ticket("Anfrage", f"Vorgang {one.pk}") for _ in range(2)]
        for name, value in PLANS[plan].items():
            monkeypatch.setattr(search_module, name, value)

        assert found(admin, str(one.pk)) == {one.pk, *(t.pk for t in mentions)}

    def test_an_absent_word_reads_no_ticket(self, admin, django_assert_max_num_queries):
        ticket("Fahrrad")
        query = parse("zzyzxwortgibtesnicht")

        # The estimate and the candidates; the empty page costs no query.
        with django_assert_max_num_queries(2):
            rows = list(search_tickets(visible_tickets(admin), query, admin))

        assert rows == []


@pytest.mark.parametrize("many", [False, True])
def test_from_finds_the_same_on_both_of_its_plans(admin, monkeypatch, many):
    annas = [CustomerFactory.create(display_name=f"Anna {n}") for n in range(3)]
    IdentityFactory.create(customer=CustomerFactory.create(display_name="Ohne Namen"), value="anna.x@example.de")
    hers = {ticket("Drucker", customer=c).pk for c in annas}
    by_address = ticket("Drucker", customer=Identity.objects.get(value="anna.x@example.de").customer).pk
    ticket("Drucker", customer=CustomerFactory.create(display_name="Bernd"))
    if many:
        monkeypatch.setattr("hub.search.customers.SEARCH_CANDIDATES", 1)

    assert found(admin, "from:anna") == {*hers, by_address}
    assert found(admin, "drucker -from:anna") == set(found(admin, "drucker")) - {*hers, by_address}


def test_messages_added_later_are_found(admin):
    t = ticket("Anfrage", "Erste Nachricht")
    assert found(admin, "nachgereicht") == set()

    Message.objects.bulk_create(
        [Message(ticket=t, channel="email", direction="in", text="Foto nachgereicht"), Message(ticket=t, text="")]
    )

    assert found(admin, "nachgereicht") == {t.pk}
