/**
 * "Aktualisiert von Tom" (UX.md 6): another agent's change to the open ticket is named in its
 * header once the live refresh has redrawn it, for a few seconds, through a polite status line.
 * The agent's own changes are not announced; the event carries who made it (``by``).
 */
import { byId, openTicketId } from "./dom";

const SHOWN_MS = 10_000;

interface By {
  id: number;
  name: string;
}

let pending: { ticketId: number; name: string } | null = null;

/** A change to ``ticketId`` arrived: named when the header shows it, unless it was our own. */
export function changedBy(ticketId: number, by: By | undefined): void {
  const me = Number(byId("keys-help")?.dataset.me ?? 0);
  if (!by || ticketId !== openTicketId()) return;
  pending = by.id === me ? null : { ticketId, name: by.name };
}

function say(): void {
  const header = byId("ticket-header");
  if (!pending || !header || pending.ticketId !== openTicketId()) return;
  if (header.querySelector(".updated-by")) header.querySelector(".updated-by")?.remove();
  const line = document.createElement("p");
  line.className = "updated-by";
  line.setAttribute("role", "status");
  line.textContent = (header.dataset.updatedBy ?? "{name}").replace("{name}", pending.name);
  header.querySelector(".title-row")?.after(line);
  pending = null;
  window.setTimeout(() => line.remove(), SHOWN_MS);
}

export function installUpdatedBy(): void {
  document.body.addEventListener("htmx:afterSettle", (e) => {
    if ((e.target as Element | null)?.id !== "ticket-header") return;
    // Only the live refresh (a GET) shows another's change; the header our own change drew
    // (a POST) is ours to read, and a name still waiting would be taken for its author.
    const verb = (e as CustomEvent<{ requestConfig?: { verb?: string } }>).detail?.requestConfig?.verb;
    if (verb === "get") say();
    else pending = null;
  });
}
