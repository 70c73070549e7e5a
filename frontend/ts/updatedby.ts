/**
 * "Aktualisiert von Tom" (UX.md 6): another agent's change to the open ticket is named in its
 * header once the live refresh has redrawn it at that change's version or later, for a few
 * seconds, and said through the page's announcer. The agent's own changes, and changes nobody
 * made (rules, the customer), are not announced as someone's: a later event replaces the name.
 */
import { announce, myAgentId, openTicketId } from "./dom";

const SHOWN_MS = 10_000;

interface By {
  id: number;
  name: string;
}

let pending: { ticketId: number; name: string; version: number } | null = null;

/** A change to ``ticketId`` at ``version`` arrived: named when the header shows it, unless it was our own. */
export function changedBy(ticketId: number, version: number, by: By | undefined): void {
  if (ticketId !== openTicketId()) return;
  pending = by && by.id !== myAgentId() ? { ticketId, name: by.name, version } : null;
}

function say(header: HTMLElement): void {
  const waiting = pending;
  if (!waiting || waiting.ticketId !== openTicketId()) return;
  if (Number(header.dataset.version ?? 0) < waiting.version) return; // drawn before that change
  pending = null;
  header.querySelector(".updated-by")?.remove();
  const text = (header.dataset.updatedBy ?? "{name}").replace("{name}", waiting.name);
  const line = document.createElement("p");
  line.className = "updated-by";
  line.textContent = text;
  header.querySelector(".title-row")?.after(line);
  announce(text);
  window.setTimeout(() => line.remove(), SHOWN_MS);
}

export function installUpdatedBy(): void {
  document.body.addEventListener("htmx:afterSettle", (e) => {
    const header = e.target as HTMLElement | null;
    if (header?.id !== "ticket-header") return;
    // Only the live refresh (a GET) shows another's change; the header our own change drew
    // (a POST) is ours to read, and a name still waiting would be taken for its author.
    const verb = (e as CustomEvent<{ requestConfig?: { verb?: string } }>).detail?.requestConfig?.verb;
    if (verb === "get") say(header);
    else pending = null;
  });
}
