"""Settings → Phone numbers: admins add, change and delete numbers; credentials stay write-only;
the number's page names the webhook addresses to set at the provider; leads only look."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from channels_phone.models import Call, PhoneNumber, ProviderKind
from channels_phone.tests.conftest import ACCOUNT, OUR_NUMBER, TOKEN
from hub.models import Agent, AuditEntry, BusinessCalendar, Role, Team
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/agent/settings/phone-numbers/"


@pytest.fixture
def admin() -> Agent:
    return AgentFactory.create(role=Role.ADMIN, language="en")


def signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "number": "030 901820",
        "name": "Hotline",
        "enabled": "on",
        "provider": "twilio",
        "account_sid": ACCOUNT,
        "auth_token_new": TOKEN,
        "greeting": "Willkommen beim Support.",
        "language": "de-DE",
        "voicemail": "on",
        "sms": "on",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_an_admin_adds_a_number_typed_the_german_way_and_it_is_stored_in_e164(admin, team: Team) -> None:
    calendar = BusinessCalendar.objects.create(name="Hotline 7–22")

    response = signed_in(admin).post(URL + "new/", form(team=team.pk, calendar=calendar.pk))

    number = PhoneNumber.objects.get()
    assert response["Location"] == f"{URL}{number.pk}/"
    assert (number.number, number.provider, number.team, number.calendar) == (OUR_NUMBER, "twilio", team, calendar)
    assert number.auth_token == TOKEN and number.sms and number.voicemail
    entry = AuditEntry.objects.get()
    assert entry.action == "phone_number.created"
    assert entry.changes["auth_token"] == [None, "••••••"] and TOKEN not in str(entry.changes)


def test_the_list_shows_numbers_formatted_with_provider_team_flags_and_whether_credentials_are_set(
    admin, team: Team, number: PhoneNumber, generic_number: PhoneNumber
) -> None:
    PhoneNumber.objects.create(number="+4989123456", provider=ProviderKind.TWILIO, sms=False, voicemail=False)

    html = signed_in(admin).get(URL).content.decode()

    assert "+49 30 901820" in html and "+49 89 123456" in html
    assert html.count('chip-ok">Set') == 2 and html.count("Missing") == 1
    assert "Generic telephony webhook" in html and team.name in html
    row = html.split("+49 89 123456")[1].split("</tr>")[0]
    assert "Voicemail" not in row and "SMS" not in row


def test_a_stored_token_is_never_shown_and_an_empty_field_keeps_it(admin, number: PhoneNumber) -> None:
    client = signed_in(admin)

    page = client.get(f"{URL}{number.pk}/").content.decode()
    response = client.post(f"{URL}{number.pk}/", form(auth_token_new="", name="Zentrale", team=number.team_id))

    assert TOKEN not in page and "A secret is stored" in page
    assert 'value="+49 30 901820"' in page
    number.refresh_from_db()
    assert number.auth_token == TOKEN and number.name == "Zentrale"
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == "phone_number.updated" and entry.changes == {"name": ["", "Zentrale"]}


def test_a_new_token_replaces_the_stored_one_and_the_log_masks_both(admin, number: PhoneNumber) -> None:
    signed_in(admin).post(f"{URL}{number.pk}/", form(auth_token_new="new-token", team=number.team_id))

    number.refresh_from_db()
    assert number.auth_token == "new-token"
    assert AuditEntry.objects.get().changes["auth_token"] == ["••••••", "••••••"]


def test_wrong_input_is_shown_at_its_field_and_nothing_is_stored(admin, number: PhoneNumber) -> None:
    client = signed_in(admin)

    junk = client.post(URL + "new/", form(number="12"))
    taken = client.post(URL + "new/", form(number="+49 30 901820"))
    sid = client.post(URL + "new/", form(number="+4940999999", account_sid="XY123"))
    no_secret = client.post(URL + "new/", form(number="+4940999999", provider="generic"))

    assert "is no valid phone number" in junk.content.decode()
    assert "is configured already" in taken.content.decode()
    assert "starts with AC" in sid.content.decode()
    assert "signs its webhooks with it" in no_secret.content.decode()
    assert {r.status_code for r in (junk, taken, sid, no_secret)} == {200}
    assert PhoneNumber.objects.count() == 1 and not AuditEntry.objects.exists()


def test_the_numbers_page_names_the_webhooks_on_the_hubs_public_address(admin, generic_number: PhoneNumber) -> None:
    with override_settings(SITE_URL="https://support.example.org", SITE_URL_CONFIGURED=True):
        html = signed_in(admin).get(f"{URL}{generic_number.pk}/").content.decode()

    for path in ("voice", "status", "sms"):
        assert '<code id="webhook-' in html and f"https://support.example.org/phone/generic/{path}/" in html
    assert "SITE_URL is not set" not in html


def test_without_site_url_the_page_warns_that_signatures_will_not_match(admin, number: PhoneNumber) -> None:
    with override_settings(SITE_URL_CONFIGURED=False, ALLOWED_HOSTS=["help.example.com"]):
        html = signed_in(admin).get(f"{URL}{number.pk}/", HTTP_HOST="help.example.com").content.decode()

    assert "http://help.example.com/phone/twilio/voice/" in html and "SITE_URL is not set" in html


def test_deleting_asks_once_then_removes_the_number(admin, number: PhoneNumber) -> None:
    client = signed_in(admin)

    question = client.get(f"{URL}{number.pk}/delete/").content.decode()
    response = client.post(f"{URL}{number.pk}/delete/")

    assert "Delete the phone number +49 30 901820?" in question
    assert response["Location"] == URL and not PhoneNumber.objects.exists()
    assert AuditEntry.objects.get().action == "phone_number.deleted"


def test_a_number_with_calls_on_record_is_not_deleted_and_the_admin_is_told_to_disable_it(
    admin, number: PhoneNumber
) -> None:
    Call.objects.create(
        number=number, provider="twilio", call_sid="CA1", from_number="+4915123456789", to_number=OUR_NUMBER
    )

    response = signed_in(admin).post(f"{URL}{number.pk}/delete/", follow=True)

    assert "cannot be deleted" in response.content.decode()
    assert PhoneNumber.objects.filter(pk=number.pk).exists() and not AuditEntry.objects.exists()


def test_a_lead_reads_the_numbers_but_changes_nothing(number: PhoneNumber) -> None:
    client = signed_in(AgentFactory.create(role=Role.LEAD, language="en"))

    page = client.get(f"{URL}{number.pk}/")
    change = client.post(f"{URL}{number.pk}/", form(name="Changed", team=number.team_id))
    delete = client.post(f"{URL}{number.pk}/delete/")

    assert page.status_code == 200 and "Save" not in page.content.decode() and TOKEN not in page.content.decode()
    assert change.status_code == 403 and delete.status_code == 403
    number.refresh_from_db()
    assert number.name == "" and not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_do_not_open_the_numbers(role, number: PhoneNumber) -> None:
    client = signed_in(AgentFactory.create(role=role))

    assert client.get(URL).status_code == 403
    assert client.post(URL + "new/", form(number="+4940999999")).status_code == 403
    assert PhoneNumber.objects.count() == 1


def test_the_screens_speak_german(number: PhoneNumber) -> None:
    client = signed_in(AgentFactory.create(role=Role.ADMIN, language="de"))

    html = client.get(f"{URL}{number.pk}/").content.decode()

    assert "Geschäftszeiten" in html and "Beim Anbieter" in html and "Telefonnummern" in html
