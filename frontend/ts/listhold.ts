/** The list holds still while the agent works in it (UX.md, section 6; frontend/list_hold.py).
 *
 * Every refresh the list makes of itself (a live event, the minute's tick, a reconnect) says
 * which rows it shows (`shown`) and which is the open ticket (`keep`), so the open ticket stays
 * even when a change takes it out of the view. While the agent has scrolled down, selected rows
 * or has the keyboard in the list, it also asks the server to `hold`: the rows keep their places,
 * and new ones wait behind a "3 neue – anzeigen" bar. Back at the top with nothing selected, the
 * list shows them by itself. */

import { byId, openTicketId, refresh, settling } from "./dom";
import { anySelected } from "./bulk";

function rowsBox(list: HTMLElement): HTMLElement | null {
  return list.querySelector<HTMLElement>(".rows");
}

function holding(list: HTMLElement): boolean {
  if ((rowsBox(list)?.scrollTop ?? 0) > 1 || anySelected()) return true;
  return Boolean(document.activeElement?.closest("#list .row") || list.querySelector(".row.is-cursor"));
}

export function installListHold(): void {
  document.body.addEventListener("htmx:configRequest", (e) => {
    const detail = (e as CustomEvent<HtmxConfigRequestDetail>).detail;
    const list = byId("list");
    // Only the list's own refreshes: a link in it (a sort, "Older", the bar) asks for a new list.
    if (!list || detail.elt !== list || detail.verb !== "get") return;
    const ids = Array.from(list.querySelectorAll<HTMLElement>(".row"), (row) => row.dataset.ticketId ?? "");
    if (!ids.length) return;
    const params = detail.parameters as Record<string, unknown>;
    params.shown = ids.join(",");
    const open = String(openTicketId() ?? "");
    if (ids.includes(open)) params.keep = open;
    if (holding(list)) params.hold = "1";
  });

  // A filter changed while htmx has yet to set up the list an answer just drew (it does so when
  // the swap settles, some 20 ms later) would reach no listener and be lost: it goes again then.
  document.body.addEventListener("change", (e) => {
    const control = e.target as HTMLElement | null;
    if (!control?.closest("#list .list-filters") || !settling(control)) return;
    const again = (): void => {
      document.body.removeEventListener("htmx:afterSettle", again);
      window.setTimeout(() => control.isConnected && control.dispatchEvent(new Event("change", { bubbles: true })));
    };
    document.body.addEventListener("htmx:afterSettle", again);
  });

  // Scrolled back to the top with nothing selected: the waiting rows come in.
  document.addEventListener(
    "scroll",
    (e) => {
      const list = byId("list");
      const box = list && rowsBox(list);
      if (!list || !box || e.target !== box || box.scrollTop > 1 || !list.querySelector(".list-news")) return;
      if (!holding(list)) refresh("list");
    },
    true,
  );
}
