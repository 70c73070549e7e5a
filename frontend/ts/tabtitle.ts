/** The tab's title carries the live count of the agent's current view in front ("(3) Meine ·
 * Service Hub", "(3) #4711 Lieferung fehlt · Service Hub"), so a tab in the background still
 * says that work is waiting (UX.md, section 6). The list region is refreshed live; its count
 * is the view's, so the title follows it. */

import { byId } from "./dom";

export function updateTitle(): void {
  const base = byId("ticket")?.dataset.title || byId("list")?.dataset.title;
  if (!base) return;
  const count = Number(document.querySelector("#list-title .count")?.textContent?.trim() ?? "");
  document.title = Number.isFinite(count) && count > 0 ? `(${count}) ${base}` : base;
}
