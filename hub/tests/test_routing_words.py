"""What a routing rule changed reads in the agent's language on the timeline and in the dry run,
while the log and the API keep routing's own stable words."""

from __future__ import annotations

from django.utils import translation

from hub.routing.words import agents_named, machine, sentence, shown, shown_sentence


def test_each_kind_of_change_is_said_in_german() -> None:
    with translation.override("de"):
        said = [
            shown("team", {"missing": "billing"}),
            shown("assign", {"by": "team"}),
            shown("assign", {"agent": 7}, {7: "Anna Berg"}),
            shown("priority", 4),
            shown("status", "on_hold"),
            shown("spam", "+spam"),
            shown("SLA policy", "VIP"),
            shown("auto reply", True),
            shown("notify", {"agents": [7, 9], "teams": ["billing"]}, {7: "Anna Berg"}),
        ]
    assert said == [
        "Team: billing gibt es nicht mehr, unverändert",
        "Zugewiesen nach der Strategie des Teams",
        "Zugewiesen an Anna Berg",
        "Priorität: Dringend",
        "Status: Zurückgestellt",
        "Als Spam markiert",
        "SLA-Richtlinie: VIP",
        "Automatische Antwort vorgemerkt",
        "Benachrichtigt: Anna Berg, Agent 9, billing",
    ]


def test_the_logs_words_stay_as_routing_always_wrote_them() -> None:
    changes = {"assign": {"missing": "12"}, "priority": 1, "notify": {"agents": [3], "teams": []}, "note": True}
    with translation.override("de"):
        line = sentence("Eskalation", changes)
        said = shown_sentence("Eskalation", changes)
    assert line == (
        "rule «Eskalation»: assign agent 12 (no such agent: unchanged); priority low; notify agent 3; note added"
    )
    assert said.startswith("Regel „Eskalation“: Zuweisung: 12 gibt es nicht mehr, unverändert; Priorität: Niedrig")
    assert machine("assign", {"by": "team"}) == "by the team's strategy"
    assert agents_named({"changes": changes}) == {3}
