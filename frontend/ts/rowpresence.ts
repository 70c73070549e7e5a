/** Who else is on the tickets of the inbox list (UX.md, sections 2 and 6): an eye on a row another
 * agent has open, a pen where they are writing, labelled "Jana Roth is viewing" for screen readers
 * and as the tooltip. The server draws the markers with the rows (frontend/row_presence.py); the
 * ticket.viewers events the rows' teams hear redraw a row's marker in place with the same markup.
 * Labels come from the list's data attributes, in the agent's language. */

import { type Viewer, type ViewersEvent, viewerLine } from "./collision";

const TYPING_SHOWN_MS = 6_000; // hub.collision.TYPING_SECONDS: a lost "stopped" fades anyway
const SVG = "http://www.w3.org/2000/svg";

const latest = new Map<number, ViewersEvent>();
const fades = new Map<number, number>();

function line(list: HTMLElement, viewer: Viewer): string {
  const { presenceViewing, presenceReply, presenceNote } = list.dataset;
  return viewerLine(viewer, { viewing: presenceViewing, reply: presenceReply, note: presenceNote });
}

function draw(ticketId: number, viewers: Viewer[]): void {
  const list = document.getElementById("list");
  const el = list?.querySelector<HTMLElement>(`.row[data-ticket-id="${ticketId}"] .row-presence`);
  if (!list || !el) return;
  if (viewers.length === 0) {
    el.className = "row-presence";
    el.removeAttribute("title");
    el.replaceChildren();
    el.hidden = true;
    return;
  }
  const writers = viewers.filter((v) => v.typing);
  const text = [...writers, ...viewers.filter((v) => !v.typing)].map((v) => line(list, v)).join(", ");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", writers.length ? "#i-typing" : "#i-eye");
  svg.append(use);
  const label = document.createElement("span");
  label.className = "sr-only";
  label.textContent = text;
  el.className = `row-presence ${writers.length ? "is-typing" : "is-viewing"}`;
  el.title = text;
  el.replaceChildren(svg, label);
  el.hidden = false;
}

function fade(ticketId: number): void {
  const event = latest.get(ticketId);
  if (!event) return;
  event.viewers = event.viewers.map((v) => ({ ...v, typing: "" }));
  draw(ticketId, event.viewers);
}

/** A ticket.viewers event (without this agent): redraw the ticket's row, if the list shows it. */
export function onRowViewers(event: ViewersEvent): void {
  const before = latest.get(event.ticket_id);
  if (before && before.version > event.version) return;
  window.clearTimeout(fades.get(event.ticket_id));
  fades.delete(event.ticket_id);
  // A copy: the ticket header (collision.ts) fades its own viewers in place.
  latest.set(event.ticket_id, { ...event, viewers: event.viewers.map((v) => ({ ...v })) });
  if (event.viewers.some((v) => v.typing)) {
    fades.set(event.ticket_id, window.setTimeout(() => fade(event.ticket_id), TYPING_SHOWN_MS));
  }
  draw(event.ticket_id, event.viewers);
}
