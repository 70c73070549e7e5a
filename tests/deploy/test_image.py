"""The image built from a clean clone has every static file the hub's pages and the chat widget
snippet ask for: the agent UI and the widget come from the image's own assets stage.

The Dockerfile's stages are carried out here without a Docker engine (``tests.deploy.docker``):
the assets stage's COPY and RUN steps (npm ci and the builds, as ``make assets`` runs them) in
a directory standing for its file system, fed the build context a fresh clone would send;
then the final stage's COPY steps. The npm packages come from npm's cache or its registry.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.deploy.docker import ROOT, Stage, build, clean_clone_context, copy_context, stages

# Asked for outside the templates: the widget snippet (channels_chat.settings_views.snippet,
# static("chatwidget/widget.js")) and the loader, which fetches widget-app.js beside itself.
SNIPPET = ["chatwidget/widget.js", "chatwidget/widget-app.js"]


def referenced_static() -> set[str]:
    """Every ``{% static '…' %}`` of the hub's, the channels' and the frontend's templates."""
    found: set[str] = set()
    for template in ROOT.glob("*/templates/**/*.html"):
        found.update(re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]""", template.read_text()))
    return found | set(SNIPPET)


def by_name(all_stages: list[Stage]) -> dict[str, Stage]:
    return {stage.name: stage for stage in all_stages if stage.name}


def test_the_final_stage_takes_the_ui_and_the_widget_from_the_assets_stage() -> None:
    all_stages = stages(ROOT / "Dockerfile")
    final = all_stages[-1]
    taken = {
        (step.flags["from"], step.words[-1].rstrip("/"))
        for step in final.steps
        if step.keyword == "COPY" and "from" in step.flags
    }

    assert "assets" in by_name(all_stages)
    assert ("assets", "channels_chat/static/chatwidget") in taken
    assert ("assets", "frontend/static/frontend/dist") in taken
    # Both are copied before collectstatic gathers the static files into the image.
    order = [step.keyword + " " + step.args for step in final.steps]
    collect = next(i for i, line in enumerate(order) if "collectstatic" in line)
    assert all(i < collect for i, line in enumerate(order) if "--from=assets" in line)


def test_a_clean_clone_builds_an_image_with_the_chat_widget_and_the_agent_ui(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to build the image's assets (Node.js 20, as `make install` needs)")
    all_stages = stages(ROOT / "Dockerfile")
    files = clean_clone_context()
    # A fresh clone has no builds and no node_modules: whatever the image has, it made.
    assert not [
        f for f in files if f.startswith(("channels_chat/static/chatwidget/", "frontend/static/frontend/dist/"))
    ]
    context = copy_context(files, tmp_path / "context")
    built: dict[str, Path] = {}
    for stage in all_stages[:-1]:
        assert stage.name, "every stage but the last is named, for COPY --from"
        built[stage.name] = tmp_path / stage.name
        build(stage, built[stage.name], context=context, files=files)

    image = tmp_path / "image"
    build(all_stages[-1], image, context=context, files=files, stages_fs=built, run=False)

    static_dirs = [d for d in (image / "app").glob("*/static") if d.is_dir()]
    missing = sorted(ref for ref in referenced_static() if not any((d / ref).is_file() for d in static_dirs))
    assert missing == []
    widget = image / "app" / "channels_chat" / "static" / "chatwidget" / "widget.js"
    assert widget.stat().st_size > 100 and "widget-app.js" in widget.read_text()
