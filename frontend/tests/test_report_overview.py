"""The leads' reports: a period's tickets, response and resolution times, service levels,
satisfaction and repeat contacts, per team and per channel, in the reader's days."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from frontend.report_figures import percentile
from hub.models import Customer, Role, SlaOutcome, SlaTarget, Team, Ticket, TicketEvent
from hub.models.tickets import EventKind
from hub.tests.factories import AgentFactory, CustomerFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db
URL = "/agent/reports/"
BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday in the middle of a month, far from any change of clocks.
DAY = datetime(2026, 6, 16, 10, 0, tzinfo=BERLIN)
PERIOD = "since=2026-06-15&until=2026-06-21"


def opened(
    team: Team | None,
    at: datetime,
    *,
    channel: str = "email",
    answered_after: timedelta | None = None,
    solved_after: timedelta | None = None,
    customer: Customer | None = None,
) -> Ticket:
    return TicketFactory.create(
        team=team,
        origin_channel=channel,
        created_at=at,
        customer=customer or CustomerFactory.create(),
        first_response_at=at + answered_after if answered_after is not None else None,
        solved_at=at + solved_after if solved_after is not None else None,
    )


def answered_survey(ticket: Ticket, rating: int, at: datetime) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=EventKind.SURVEY_ANSWERED, data={"rating": rating}, created_at=at)


def figures(html: str, line: str) -> dict[str, str]:
    row = re.search(rf'<tr data-line="{line}">(.*?)</tr>', html, re.S)
    assert row is not None, f"no line {line}"
    cells = re.findall(r'data-figure="([a-z-]+)"[^>]*>(.*?)</td>', row.group(1), re.S)
    return {name: re.sub(r"<[^>]+>", "", text).strip() for name, text in cells}


@pytest.fixture
def lead() -> object:
    agent = AgentFactory.create(role=Role.LEAD)
    agent.language = "en"
    agent.save(update_fields=["language"])
    return agent


def test_a_lead_sees_the_weeks_figures_per_team_and_per_channel(client_for, lead) -> None:
    red, blue = TeamFactory.create(name="Rot", slug="red"), TeamFactory.create(name="Blau", slug="blue")
    # Red: three mails answered after 1, 2 and 10 minutes, two of them solved after 1 and 3 hours.
    a = opened(red, DAY, answered_after=timedelta(minutes=1), solved_after=timedelta(hours=1))
    b = opened(red, DAY, answered_after=timedelta(minutes=2), solved_after=timedelta(hours=3))
    opened(red, DAY, answered_after=timedelta(minutes=10))
    # Blue: a chat not yet answered, from a customer who mailed blue the day before (a repeat
    # contact on another channel), and that mail.
    customer = CustomerFactory.create()
    earlier = opened(blue, DAY - timedelta(days=1), answered_after=timedelta(hours=2), customer=customer)
    opened(blue, DAY, channel="chat", customer=customer)
    # Outside the week: counted nowhere.
    opened(red, DAY - timedelta(days=10), answered_after=timedelta(minutes=1), solved_after=timedelta(hours=1))
    SlaOutcome.objects.create(ticket=a, target=SlaTarget.FIRST_RESPONSE, started_at=DAY, met_at=DAY)
    SlaOutcome.objects.create(ticket=b, target=SlaTarget.FIRST_RESPONSE, started_at=DAY, met_at=DAY)
    SlaOutcome.objects.create(  # met, but late: missed
        ticket=b, target=SlaTarget.RESOLUTION, started_at=DAY, breached_at=DAY, met_at=DAY + timedelta(hours=1)
    )
    SlaOutcome.objects.create(ticket=earlier, target=SlaTarget.FIRST_RESPONSE, started_at=DAY, breached_at=DAY)
    answered_survey(a, 5, DAY + timedelta(hours=2))
    answered_survey(b, 2, DAY + timedelta(hours=4))
    answered_survey(earlier, 4, DAY)

    html = client_for(lead).get(f"{URL}?{PERIOD}").content.decode()

    assert figures(html, "team-" + str(red.pk)) == {
        "created": "3",
        "first-response": "2 min · 8 min",  # 90th percentile: 2 + 0.8 × (10 − 2) minutes
        "solved": "2",
        "resolution": "2 h · 2 h 48 min",
        "sla": "67% (1 missed)",
        "csat": "50% (Ø 3.5, 2 answers)",
        "nps": "–",
        "repeat": "0%",
    }
    assert figures(html, "team-" + str(blue.pk)) == {
        "created": "2",
        "first-response": "2 h · 2 h",
        "solved": "0",
        "resolution": "– · –",
        "sla": "0% (1 missed)",
        "csat": "100% (Ø 4.0, 1 answer)",
        "nps": "–",
        "repeat": "50% (1 on another channel)",
    }
    chat = figures(html, "channel-chat")
    assert (chat["created"], chat["repeat"]) == ("1", "100% (1 on another channel)")
    assert figures(html, "channel-email")["created"] == "4"
    assert figures(html, "all")["created"] == "5" and figures(html, "all")["sla"] == "50% (2 missed)"
    # Blue is listed before Red, by name; the lines add up to the whole.
    assert html.index('data-line="team-' + str(blue.pk)) < html.index('data-line="team-' + str(red.pk))


def test_each_agent_has_a_line_of_the_tickets_assigned_to_them_and_the_unassigned_one_of_their_own(
    client_for, lead, team
) -> None:
    ada = AgentFactory.create(teams=[team], user__first_name="Ada", user__last_name="Berg")
    mine = opened(team, DAY, answered_after=timedelta(minutes=4), solved_after=timedelta(hours=2))
    Ticket.objects.filter(pk=mine.pk).update(assignee=ada)
    answered_survey(mine, 5, DAY)
    opened(team, DAY, channel="chat")

    html = client_for(lead).get(f"{URL}?{PERIOD}").content.decode()
    rows = list(csv.reader(io.StringIO(client_for(lead).get(f"{URL}?{PERIOD}&format=csv").content.decode())))

    assert figures(html, f"agent-{ada.pk}") == {
        "created": "1",
        "first-response": "4 min · 4 min",
        "solved": "1",
        "resolution": "2 h · 2 h",
        "sla": "–",
        "csat": "100% (Ø 5.0, 1 answer)",
        "nps": "–",
        "repeat": "0%",
    }
    assert figures(html, "agent-none")["created"] == "1"
    assert next(row[:9] for row in rows if row[0] == "agent" and row[1] == "Ada Berg") == [
        "agent",
        "Ada Berg",
        "1",
        "1",
        "240",
        "240",
        "1",
        "7200",
        "7200",
    ]


def test_the_period_runs_from_midnight_to_midnight_where_the_reader_is(client_for, lead, team) -> None:
    # The hub's zone is Berlin: 00:30 there on 15 June is 22:30 UTC on 14 June, inside a period
    # that begins on the 15th; 23:50 on the 14th is not, 23:59 on the 21st is.
    opened(team, datetime(2026, 6, 15, 0, 30, tzinfo=BERLIN))
    opened(team, datetime(2026, 6, 14, 23, 50, tzinfo=BERLIN))
    opened(team, datetime(2026, 6, 21, 23, 59, tzinfo=BERLIN))

    html = client_for(lead).get(f"{URL}?{PERIOD}").content.decode()

    assert figures(html, "all")["created"] == "2"


def test_dates_beyond_what_a_period_can_span_are_refused_not_failed(client_for, lead) -> None:
    early = client_for(lead).get(f"{URL}?since=0001-01-01&until=0001-01-31")
    late = client_for(lead).get(f"{URL}?since=9999-12-01&until=9999-12-31")

    assert (early.status_code, late.status_code) == (200, 200)
    assert "Choose dates between" in early.content.decode() and 'data-line="all"' not in late.content.decode()


def test_the_quick_periods_keep_the_team_and_channel_chosen(client_for, lead, team) -> None:
    html = client_for(lead).get(f"{URL}?{PERIOD}&team={team.pk}&channel=chat").content.decode()

    quick = re.findall(r'<a href="\?([^"]+)">Last (\d+) days</a>', html)
    assert [days for _query, days in quick] == ["7", "30", "90"]
    assert all(f"team={team.pk}" in query and "channel=chat" in query for query, _days in quick)


def test_a_team_filter_narrows_the_figures_but_a_repeat_still_sees_the_customers_other_teams(
    client_for, lead, team, other_team
) -> None:
    customer = CustomerFactory.create()
    opened(other_team, DAY - timedelta(days=1), customer=customer)
    opened(team, DAY, customer=customer, channel="phone")
    opened(team, DAY)

    html = client_for(lead).get(f"{URL}?{PERIOD}&team={team.pk}").content.decode()

    assert figures(html, "all")["created"] == "2"
    assert figures(html, "all")["repeat"] == "50% (1 on another channel)"
    assert f'data-line="team-{other_team.pk}"' not in html


def test_tickets_without_a_team_have_their_own_line_and_filter(client_for, lead, team) -> None:
    opened(None, DAY, channel="web")
    opened(team, DAY)

    whole = client_for(lead).get(f"{URL}?{PERIOD}").content.decode()
    alone = client_for(lead).get(f"{URL}?{PERIOD}&team=0").content.decode()

    assert figures(whole, "team-none")["created"] == "1"
    assert figures(alone, "all")["created"] == "1" and figures(alone, "channel-web")["created"] == "1"


def test_without_a_period_the_report_shows_the_last_30_days(client_for, lead, team) -> None:
    now = timezone.now()
    opened(team, now - timedelta(days=28))
    opened(team, now - timedelta(days=31))

    html = client_for(lead).get(URL).content.decode()

    assert figures(html, "all")["created"] == "1"
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_a_period_that_ends_before_it_begins_is_refused_in_the_readers_language(client_for) -> None:
    lead = AgentFactory.create(role=Role.LEAD, language="de")

    html = client_for(lead).get(f"{URL}?since=2026-06-21&until=2026-06-15").content.decode()
    long = client_for(lead).get(f"{URL}?since=2024-01-01&until=2026-06-15").content.decode()

    assert "Der Zeitraum endet, bevor er beginnt" in html and 'data-line="all"' not in html
    assert "höchstens 366 Tage" in long


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_get_no_reports(client_for, team, role) -> None:
    agent = AgentFactory.create(role=role, teams=[team])

    assert client_for(agent).get(URL).status_code == 403


def test_the_rail_leads_admins_and_leads_to_the_reports(client_for, lead, agent) -> None:
    assert 'href="/agent/reports/"' in client_for(lead).get("/agent/v/mine/").content.decode()
    assert 'href="/agent/reports/"' not in client_for(agent).get("/agent/v/mine/").content.decode()


def test_percentiles_lie_between_the_nearest_ranks_as_postgresql_puts_them() -> None:
    assert percentile([60.0], 0.9) == 60.0
    assert percentile([60.0, 120.0, 600.0], 0.5) == 120.0
    assert percentile([60.0, 120.0, 600.0], 0.9) == pytest.approx(504.0)
    assert percentile([0.0, 10.0], 0.25) == 2.5


def test_the_report_downloads_as_csv_with_seconds_and_names_no_spreadsheet_runs(client_for, lead) -> None:
    sneaky = TeamFactory.create(name="=HYPERLINK(1)", slug="sneaky")
    opened(sneaky, DAY, answered_after=timedelta(minutes=2), solved_after=timedelta(hours=1))
    html = client_for(lead).get(f"{URL}?{PERIOD}").content.decode()
    link = re.search(r'<a href="\?([^"]+)" download>', html)
    assert link is not None

    response = client_for(lead).get(f"{URL}?{link.group(1).replace('&amp;', '&')}")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report-2026-06-15-2026-06-21.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["breakdown", "name", "created", "answered", "first_response_median_s"]
    assert rows[1][:9] == ["team", "'=HYPERLINK(1)", "1", "1", "120", "120", "1", "3600", "3600"]
    assert rows[-1][:3] == ["all", "All", "1"]


def test_recommendations_give_the_nps_apart_from_satisfaction(client_for, lead, team) -> None:
    tickets = [opened(team, DAY) for _ in range(5)]
    for ticket, rating in zip(tickets, (10, 9, 8, 3, 0), strict=True):  # 2 promoters, 1 passive, 2 detractors
        TicketEvent.objects.create(
            ticket=ticket, kind=EventKind.SURVEY_ANSWERED, data={"rating": rating, "scale": "nps"}, created_at=DAY
        )
    answered_survey(tickets[0], 5, DAY)
    TicketEvent.objects.create(
        ticket=tickets[1], kind=EventKind.SURVEY_ANSWERED, data={"rating": 10, "scale": "nps"}, created_at=DAY
    )  # 3 promoters of 6: +17

    html = client_for(lead).get(f"{URL}?{PERIOD}").content.decode()

    line = figures(html, "all")
    assert line["nps"] == "+17 (6 answers)"
    assert line["csat"] == "100% (Ø 5.0, 1 answer)"  # the 0–10 answers are no satisfaction
    rows = list(csv.reader(io.StringIO(client_for(lead).get(f"{URL}?{PERIOD}&format=csv").content.decode())))
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert (total["nps_answers"], total["nps_promoters"], total["nps_detractors"], total["nps"]) == (
        "6",
        "3",
        "2",
        "17",
    )
