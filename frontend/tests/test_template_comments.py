"""Django's ``{# … #}`` comment ends at the end of its line: one spread over several lines is not a
comment but text, printed on the page (it was, in the rail and below every workspace page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APPS = ("hub", "frontend", "channels_email", "channels_chat", "channels_phone", "channels_web", "demo")


def templates() -> list[Path]:
    return sorted(path for app in APPS for path in (BASE / app).glob("**/templates/**/*") if path.is_file())


def test_there_are_templates_to_read() -> None:
    assert len(templates()) > 100


def test_no_template_opens_a_one_line_comment_it_does_not_close_on_that_line() -> None:
    unclosed = [
        f"{path.relative_to(BASE)}:{number}"
        for path in templates()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]

    assert unclosed == []


@pytest.mark.django_db
def test_the_workspace_shows_no_template_comment(agent, client_for) -> None:
    page = client_for(agent).get("/agent/v/mine/").content.decode()

    assert "{#" not in page and "#}" not in page
