from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.models import Priority, Role, TicketStatus
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def test_the_root_sends_an_agent_to_their_own_tickets(agent, client_for) -> None:
    response = client_for(agent).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/agent/v/mine/"


def test_an_anonymous_visitor_is_sent_to_the_login(client) -> None:
    response = client.get("/agent/v/mine/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/agent/v/mine/")


def test_an_htmx_request_without_a_session_redirects_the_whole_page(client) -> None:
    response = client.get("/agent/v/mine/", HTTP_HX_TARGET="list", **HX)

    assert response["HX-Redirect"] == "/login/"


def test_the_login_page_speaks_german_by_default(client) -> None:
    response = client.get("/login/")

    assert "Anmelden" in response.content.decode()


def test_mine_lists_only_open_tickets_assigned_to_me_newest_activity_first(agent, team, client_for) -> None:
    now = timezone.now()
    older = TicketFactory.create(
        team=team, assignee=agent, subject="Rechnung doppelt", last_activity_at=now - timedelta(hours=2)
    )
    newer = TicketFactory.create(
        team=team, assignee=agent, subject="Lieferung fehlt", last_activity_at=now - timedelta(minutes=5)
    )
    TicketFactory.create(team=team, assignee=agent, subject="Längst erledigt", status=TicketStatus.SOLVED)
    TicketFactory.create(team=team, subject="Niemandem zugewiesen")

    html = client_for(agent).get("/agent/v/mine/").content.decode()

    assert "Lieferung fehlt" in html and "Rechnung doppelt" in html
    assert html.index("Lieferung fehlt") < html.index("Rechnung doppelt")
    assert "Längst erledigt" not in html
    assert "Niemandem zugewiesen" not in html
    assert f'href="/agent/v/mine/t/{newer.pk}/"' in html
    assert f'href="/agent/v/mine/t/{older.pk}/"' in html
    assert "vor 5 Min." in html


def test_relative_times_follow_the_agents_language(team, client_for) -> None:
    english = AgentFactory.create(teams=[team], language="en")
    TicketFactory.create(team=team, assignee=english, last_activity_at=timezone.now() - timedelta(minutes=5))

    html = client_for(english).get("/agent/v/mine/").content.decode()

    assert "5 min ago" in html
    assert "Mine" in html


def test_unassigned_and_team_views_stay_inside_the_agents_teams(agent, team, other_team, client_for) -> None:
    TicketFactory.create(team=team, subject="Unser Ticket")
    TicketFactory.create(team=other_team, subject="Fremdes Ticket")

    client = client_for(agent)
    unassigned = client.get("/agent/v/unassigned/").content.decode()
    teams = client.get("/agent/v/teams/").content.decode()

    assert "Unser Ticket" in unassigned and "Unser Ticket" in teams
    assert "Fremdes Ticket" not in unassigned and "Fremdes Ticket" not in teams


def test_the_all_view_is_for_admins_and_leads_only(agent, admin_agent, other_team, client_for) -> None:
    TicketFactory.create(team=other_team, subject="Fremdes Ticket")

    assert client_for(agent).get("/agent/v/all/").status_code == 404
    assert "Fremdes Ticket" in client_for(admin_agent).get("/agent/v/all/").content.decode()
    assert client_for(admin_agent).get("/agent/v/nonsense/").status_code == 404


def test_counts_show_the_open_items_of_each_view(agent, team, client_for) -> None:
    TicketFactory.create_batch(3, team=team, assignee=agent)
    TicketFactory.create_batch(2, team=team)
    TicketFactory.create(team=team, assignee=agent, status=TicketStatus.CLOSED)

    response = client_for(agent).get("/agent/v/mine/", HTTP_HX_TARGET="list", **HX)
    html = response.content.decode()

    assert 'id="count-mine"' in html and 'aria-label="3 offen">3<' in html
    assert 'aria-label="2 offen">2<' in html  # unassigned
    assert 'aria-label="5 offen">5<' in html  # my teams


def test_the_list_preview_says_who_wrote_last(agent, team, client_for) -> None:
    TicketFactory.create(
        team=team,
        assignee=agent,
        last_message_preview="Wir kümmern uns",
        last_message_direction="out",
        last_message_kind="message",
    )
    TicketFactory.create(
        team=team,
        assignee=agent,
        last_message_preview="Kunde ist VIP",
        last_message_direction="out",
        last_message_kind="note",
    )

    html = client_for(agent).get("/agent/v/mine/").content.decode()

    assert '<b class="prefix">Sie:</b> Wir kümmern uns' in html
    assert '<b class="prefix">Notiz:</b> Kunde ist VIP' in html


def test_an_htmx_request_gets_the_list_fragment_and_a_direct_load_the_page(agent, team, client_for) -> None:
    TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)

    page = client.get("/agent/v/mine/")
    fragment = client.get("/agent/v/mine/", HTTP_HX_TARGET="list", **HX)
    restore = client.get("/agent/v/mine/", HTTP_HX_TARGET="list", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)

    assert page.content.decode().lstrip().startswith("<!doctype html>")
    assert 'hx-history="false"' in page.content.decode()
    assert not fragment.content.decode().lstrip().startswith("<!doctype")
    assert '<section id="list"' in fragment.content.decode()
    assert restore.content.decode().lstrip().startswith("<!doctype html>")
    for response in (page, fragment, restore):
        assert {"HX-Request", "HX-Target"} <= {v.strip() for v in response["Vary"].split(",")}


def test_older_pages_continue_exactly_where_the_first_page_ended(agent, team, client_for, monkeypatch) -> None:
    monkeypatch.setattr("frontend.inbox.PAGE_SIZE", 3)
    same_moment = timezone.now() - timedelta(minutes=1)
    tickets = [
        TicketFactory.create(team=team, assignee=agent, subject=f"Anfrage {i:02}", last_activity_at=same_moment)
        for i in range(7)
    ]
    client = client_for(agent)

    seen: list[int] = []
    url = "/agent/v/mine/"
    for _ in range(5):
        response = client.get(url, HTTP_HX_TARGET="list", **HX)
        page = response.context["page"]
        seen += [t.pk for t in page.rows]
        if page.older is None:
            break
        url = f"/agent/v/mine/?before={page.older}"

    assert seen == sorted((t.pk for t in tickets), reverse=True)
    assert 'href="/agent/v/mine/?before=' not in response.content.decode()


def test_a_broken_cursor_shows_the_first_page(agent, team, client_for) -> None:
    TicketFactory.create(team=team, assignee=agent, subject="Erste Seite")

    response = client_for(agent).get("/agent/v/mine/?before=kaputt")

    assert response.status_code == 200
    assert "Erste Seite" in response.content.decode()


@pytest.mark.parametrize("view", ["mine", "unassigned", "teams", "all"])
def test_a_page_costs_the_same_queries_with_few_or_many_rows(view, team, client_for) -> None:
    lead = AgentFactory.create(teams=[team], role=Role.LEAD)
    client = client_for(lead)
    assignee = lead if view == "mine" else None

    def queries(rows: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/agent/v/{view}/")
        assert response.status_code == 200
        assert len(response.context["page"].rows) == rows
        return len(ctx)

    TicketFactory.create_batch(2, team=team, assignee=assignee)
    few = queries(2)
    # Many rows, each with its own customer and (outside mine/unassigned) its own assignee.
    for _ in range(30):
        owner = assignee if view in ("mine", "unassigned") else AgentFactory.create(teams=[team])
        TicketFactory.create(team=team, assignee=owner)
    many = queries(32)

    assert few == many


def test_a_customer_without_a_name_is_listed_by_their_address(agent, team, client_for) -> None:
    from hub.models import IdentityKind
    from hub.tests.factories import CustomerFactory, IdentityFactory

    nameless = CustomerFactory.create(display_name="")
    IdentityFactory.create(customer=nameless, kind=IdentityKind.EMAIL, value="anonym@example.de")
    TicketFactory.create(team=team, assignee=agent, customer=nameless)

    html = client_for(agent).get("/agent/v/mine/").content.decode()

    assert '<span class="row-customer">anonym@example.de</span>' in html


def test_switching_views_swaps_list_and_ticket_and_refreshes_the_nav_counts(agent, team, client_for) -> None:
    TicketFactory.create(team=team, subject="Wartet auf jemanden")

    response = client_for(agent).get("/agent/v/unassigned/", HTTP_HX_TARGET="workspace", **HX)

    html = response.content.decode()
    assert "<!doctype" not in html
    assert '<div id="workspace"' in html and "Wartet auf jemanden" in html
    assert 'class="ticket is-empty"' in html
    assert '<nav id="nav" class="nav" aria-label="Ansichten" hx-swap-oob="true">' in html
    assert 'aria-current="page" data-view="unassigned"' in html


def test_counts_stop_at_the_cap_and_say_so(agent, team, client_for, monkeypatch) -> None:
    from frontend import inbox

    monkeypatch.setattr(inbox, "COUNT_CAP", 3)
    TicketFactory.create_batch(4, team=team, assignee=agent)
    TicketFactory.create_batch(2, team=team)

    html = client_for(agent).get("/agent/v/mine/", HTTP_HX_TARGET="list", **HX).content.decode()

    assert '<span class="count">2+</span>' in html  # the list title of "mine"
    assert '">2</span>' in html  # unassigned, under the cap
    assert html.count(">2+</span>") == 3  # title, "mine" and "my teams" in the nav


def test_a_filtered_list_counts_to_a_lower_cap_and_says_so(agent, team, client_for, monkeypatch) -> None:
    from frontend import inbox

    monkeypatch.setattr(inbox, "FILTERED_COUNT_CAP", 3)
    TicketFactory.create_batch(4, team=team, assignee=agent, priority=Priority.URGENT)

    html = client_for(agent).get("/agent/v/mine/?priority=4", HTTP_HX_TARGET="list", **HX).content.decode()

    assert '<span class="count">2+</span>' in html  # the filtered list's title
    assert '">4</span>' in html  # "mine" in the navigation still counts to its own cap


def test_a_ticket_page_reads_the_agents_teams_once(agent, team, client_for) -> None:
    ticket = TicketFactory.create(team=team)
    client = client_for(agent)

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/agent/v/teams/t/{ticket.pk}/").status_code == 200

    assert sum('"hub_agent_teams"."agent_id" =' in q["sql"] for q in ctx.captured_queries) == 1


def test_an_agent_added_to_a_team_sees_its_tickets_at_once(agent, other_team, client_for) -> None:
    from hub.access import can_see_ticket

    ticket = TicketFactory.create(team=other_team)
    assert not can_see_ticket(agent, ticket)

    agent.teams.add(other_team)

    assert can_see_ticket(agent, ticket)


def test_hostile_subjects_names_and_previews_are_shown_as_text_in_the_list(agent, team, client_for) -> None:
    from hub.tests.factories import CustomerFactory, UserFactory

    mallory = AgentFactory.create(teams=[team], user=UserFactory.create(first_name='<img src=x onerror="alert(2)">'))
    TicketFactory.create(
        team=team,
        assignee=mallory,
        subject="<script>alert(1)</script> & Co",
        customer=CustomerFactory.create(display_name="\"><svg onload=alert('3')>"),
        last_message_preview="</span><iframe src=//evil>",
        last_message_channel='mail"><b>',
    )

    html = client_for(agent).get("/agent/v/teams/").content.decode()

    for raw in ("<script>alert(1)", "<img src=x", "<svg onload", "<iframe", '"><b>'):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert '<span class="row-customer">&quot;&gt;&lt;svg onload=alert(&#x27;3&#x27;)&gt;</span>' in html
    assert '<span class="row-preview">&lt;/span&gt;&lt;iframe src=//evil&gt;</span>' in html
    assert 'title="&lt;img src=x onerror=&quot;alert(2)&quot;&gt;' in html
    assert 'class="icon ch ch-mail&quot;&gt;&lt;b&gt;"' in html


def test_a_row_marks_my_draft_and_not_a_colleagues(agent, team, client_for) -> None:
    from hub.models import Draft

    mine = TicketFactory.create(team=team, subject="Mein Entwurf")
    theirs = TicketFactory.create(team=team, subject="Fremder Entwurf")
    Draft.objects.create(ticket=mine, agent=agent, text="Guten Tag")
    Draft.objects.create(ticket=theirs, agent=AgentFactory.create(teams=[team]), text="Hallo")

    html = client_for(agent).get("/agent/v/teams/").content.decode()

    def row(ticket_id: int) -> str:
        start = html.index(f'data-ticket-id="{ticket_id}"')
        return html[start : html.index("</li>", start)]

    assert 'class="row-draft" title="Entwurf"' in row(mine.pk)
    assert "row-draft" not in row(theirs.pk)


def test_a_customer_without_name_or_address_is_listed_by_number(agent, team, client_for) -> None:
    from hub.tests.factories import CustomerFactory

    nobody = CustomerFactory.create(display_name="")
    TicketFactory.create(team=team, assignee=agent, customer=nobody, subject="")

    html = client_for(agent).get("/agent/v/mine/").content.decode()

    assert f'<span class="row-customer">#{nobody.pk}</span>' in html
    assert "(kein Betreff)" in html
