"""Macros in the workspace: Settings → Macros (list, edit with a control per action, delete)
and the ticket header's "Macros" button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for
from hub.models import AssignTo, AuditEntry, CannedReply, CannedScope, Macro, Priority, Role, Tag, Team, TicketStatus
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def _form(**values: object) -> dict[str, object]:
    data: dict[str, object] = {"title": "Versand erledigt", "scope": "global", "assign": "", "snooze_unit": "hours"}
    data.update(values)
    return data


def test_an_admin_creates_a_global_macro_with_every_action_and_the_audit_log_has_it(team: Team) -> None:
    admin = make_agent(Role.ADMIN)
    Tag.objects.create(name="neu")
    reply = CannedReply.objects.create(title="Unterwegs", scope=CannedScope.GLOBAL, texts={"de": "Ist unterwegs"})
    response = client_for(admin).post(
        reverse("settings:macros:new"),
        _form(
            set_status="pending",
            set_priority="3",
            set_team=team.pk,
            assign=AssignTo.ME,
            new_tags="Versand, Rückfrage",
            remove_tags=["neu"],
            snooze_for="2",
            snooze_unit="days",
            reply=reply.pk,
            send_reply="on",
        ),
    )
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.set_status, macro.set_priority, macro.set_team, macro.assign) == (
        TicketStatus.PENDING,
        Priority.HIGH,
        team,
        AssignTo.ME,
    )
    assert (macro.add_tags, macro.remove_tags, macro.snooze_minutes) == (["rückfrage", "versand"], ["neu"], 2880)
    assert (macro.reply, macro.send_reply) == (reply, True)
    assert AuditEntry.objects.filter(action="macro.created", target_id=str(macro.pk)).exists()


def test_the_edit_page_offers_real_choices_and_no_json_box(team: Team) -> None:
    admin = make_agent(Role.ADMIN)
    Tag.objects.create(name="vip")
    macro = Macro.objects.create(title="Eskalieren", scope="global", set_priority=Priority.URGENT, snooze_minutes=180)
    page = client_for(admin).get(reverse("settings:macros:detail", args=[macro.pk])).content.decode()
    assert '<select name="set_status"' in page and '<select name="set_team"' in page
    assert '<option value="vip">vip</option>' in page
    assert f'<option value="{team.pk}">Support</option>' in page
    assert 'name="snooze_for" value="3"' in page and '<option value="hours" selected>' in page
    assert "textarea" not in page and "json" not in page.lower()


def test_the_form_says_what_is_wrong_and_keeps_nothing() -> None:
    client = client_for(make_agent(Role.ADMIN))
    nothing = client.post(reverse("settings:macros:new"), _form())
    assert "Wählen Sie mindestens eine Aktion des Makros." in nothing.content.decode()
    no_team = client.post(reverse("settings:macros:new"), _form(scope="team", set_priority="3"))
    assert "Wählen Sie das Team, dessen Mitglieder das Makro verwenden dürfen." in no_team.content.decode()
    snooze_solved = client.post(reverse("settings:macros:new"), _form(set_status="solved", snooze_for="1"))
    assert "Ein zurückgestelltes Ticket wartet" in snooze_solved.content.decode()
    assert not Macro.objects.exists()


def test_an_agent_keeps_personal_macros_and_cannot_make_shared_ones(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    client = client_for(agent)
    page = client.get(reverse("settings:macros:new"))
    assert page.status_code == 200
    assert 'value="global"' not in page.content.decode()
    client.post(reverse("settings:macros:new"), _form(scope="personal", set_priority="4"))
    client.post(reverse("settings:macros:new"), _form(scope="global", title="Global", set_priority="4"))
    assert list(Macro.objects.values_list("title", "scope", "owner")) == [("Versand erledigt", "personal", agent.pk)]


def test_the_list_says_what_each_macro_does_and_hides_other_agents_personal_ones(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    colleague = make_agent(Role.AGENT, teams=[team])
    Macro.objects.create(title="Mein Makro", scope="personal", owner=agent, add_tags=["vip"], usage_count=7)
    Macro.objects.create(title="Fremdes Makro", scope="personal", owner=colleague, set_priority=Priority.HIGH)
    Macro.objects.create(title="Für alle", scope="global", set_status=TicketStatus.SOLVED)
    page = client_for(agent).get(reverse("settings:macros:index")).content.decode()
    assert "Mein Makro" in page and "Tags hinzufügen: vip" in page
    assert "Für alle" in page and "Status: Gelöst" in page
    assert "Fremdes Makro" not in page


def test_an_agent_may_look_at_a_global_macro_but_not_change_or_delete_it(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    macro = Macro.objects.create(title="Für alle", scope="global", set_priority=Priority.HIGH)
    client = client_for(agent)
    page = client.get(reverse("settings:macros:detail", args=[macro.pk]))
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert client.post(reverse("settings:macros:detail", args=[macro.pk]), _form(title="X")).status_code == 403
    assert client.post(reverse("settings:macros:delete", args=[macro.pk])).status_code == 403
    macro.refresh_from_db()
    assert macro.title == "Für alle"


def test_deleting_asks_once_then_deletes() -> None:
    admin = make_agent(Role.ADMIN)
    macro = Macro.objects.create(title="Alt", scope="global", set_priority=Priority.HIGH)
    client = client_for(admin)
    ask = client.get(reverse("settings:macros:delete", args=[macro.pk])).content.decode()
    assert "Das Makro „Alt“ löschen?" in ask
    assert client.post(reverse("settings:macros:delete", args=[macro.pk])).status_code == 302
    assert not Macro.objects.exists()


def test_the_ticket_header_offers_macros_to_agents_and_not_to_viewers(team: Team) -> None:
    ticket = TicketFactory.create(team=team)
    agent = make_agent(Role.AGENT, teams=[team])
    viewer = make_agent(Role.VIEWER, teams=[team])
    url = reverse("agent_permalink", args=[ticket.pk])
    page = client_for(agent).get(url, follow=True).content.decode()
    assert 'class="btn macro-button"' in page
    assert f'data-apply-url="/api/v1/tickets/{ticket.pk}/macros/0/apply/"' in page
    assert 'data-list-url="/api/v1/macros/?usable=1"' in page
    assert "macro-button" not in client_for(viewer).get(url, follow=True).content.decode()


def test_an_english_speaking_admin_reads_the_macros_in_english() -> None:
    admin = make_agent(Role.ADMIN, language="en")
    Macro.objects.create(title="Escalate", scope="global", set_priority=Priority.URGENT, snooze_minutes=60)
    page = client_for(admin).get(reverse("settings:macros:index")).content.decode()
    assert "Priority: Urgent · Snooze for 1 hour" in page
    assert "Only my personal macros" in page
