/**
 * The list's density (UX.md 2): "Kompakt" puts each ticket on one line. Remembered for the agent
 * on the server (the list is drawn with it); a list drawn by a request that left before the
 * choice was saved keeps the choice made here.
 */
import { byId, saveSwitch } from "./dom";

let compact: boolean | null = null;

function apply(): void {
  if (compact === null) return;
  byId("list")?.classList.toggle("is-compact", compact);
  byId("density-toggle")?.setAttribute("aria-pressed", String(compact));
}

export function installDensity(): void {
  document.addEventListener("click", (e) => {
    const toggle = (e.target as Element | null)?.closest<HTMLElement>("#density-toggle");
    if (!toggle) return;
    saveSwitch(toggle, "aria-pressed", toggle.getAttribute("aria-pressed") !== "true", (on) => {
      compact = on;
      apply();
    });
  });
  document.body.addEventListener("htmx:afterSwap", apply);
}
