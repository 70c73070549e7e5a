"""The accessibility check of the browser tests: axe-core (frontend's devDependencies) run in the
page, WCAG 2.1 A and AA rules. Injected over the DevTools protocol, so the page's CSP, which
allows no inline or foreign script, stays as it is."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _source() -> str:
    if not AXE.exists():
        raise RuntimeError("axe-core is missing: cd frontend && npm ci")
    return AXE.read_text()


def violations(page: Page, include: list[str] | None = None) -> list[dict[str, Any]]:
    """What axe finds on ``page`` (within the ``include`` selectors, else the whole page)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found: list[dict[str, Any]] = page.evaluate(
        """([include, tags]) => axe.run(include ? {include: include.map((s) => [s])} : document,
                 {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
             .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)})))""",
        [include, TAGS],
    )
    return found


def assert_accessible(page: Page, include: list[str] | None = None) -> None:
    found = violations(page, include)
    assert found == [], "\n".join(f"{v['id']}: {v['help']} at {v['nodes']}" for v in found)
