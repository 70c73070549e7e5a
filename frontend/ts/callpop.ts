/** The live caller pop-up: while a call rings on a number of the agent's team, who is calling
 * (their number, name and record), their open tickets and a button opening the call's ticket.
 * It goes when someone answers or the call ends (`call.over`), after the server's timeout when
 * that never comes, or when dismissed (its button, or Escape); until then it rings, if the agent
 * wants sound (`bell.ringCall`). The server sends each agent only
 * what they may see (channels_phone/popup.py); the words come from the page (`#call-pops`, in the
 * agent's language), and everything from the call is set as text, never as markup. */

import { ringCall, soundBlocked } from "./bell";
import { announce, byId, el, ticketUrl, words } from "./dom";

export interface CallCustomer {
  id: number;
  name: string;
  segment: string;
  organization: string;
  key_account: boolean;
  language: string;
}

export interface CallEvent {
  type: string;
  call: number;
  ticket_id: number;
  caller?: string;
  known?: boolean;
  subject?: string;
  customer?: CallCustomer | null;
  tickets?: { id: number; subject: string }[];
  timeout?: number;
}

const DEFAULT_TIMEOUT_S = 90;
// Calls heard as over, so a pop-up that arrives after its call ended stays away.
const over = new Set<number>();
const timers = new Map<number, number>();
// What stops each ringing call's tone.
const rings = new Map<number, () => void>();

function ticketLink(id: number, label: string, className: string): HTMLAnchorElement {
  const link = el("a", className, label);
  link.href = ticketUrl(id);
  return link;
}

export function onCallEvent(event: CallEvent): void {
  if (event.type === "call.over") closeCall(event.call);
  else if (event.type === "call.ringing") showCall(event);
}

function showCall(event: CallEvent): void {
  const box = byId("call-pops");
  if (!box || over.has(event.call) || box.querySelector(`[data-call="${event.call}"]`)) return;
  const customer = event.customer ?? null;
  const caller = event.caller || words(box, "anonymous", "—");
  const known = Boolean(event.known && customer);
  const who = customer?.name || words(box, "unknown", "Unknown caller");
  const pop = el("section", "call-pop");
  pop.dataset.call = String(event.call);
  const titleId = `call-pop-${event.call}`;
  pop.setAttribute("aria-labelledby", titleId);

  const title = el("h2", "call-pop-title", words(box, "title", "Incoming call"));
  title.id = titleId;
  const close = el("button", "call-pop-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", words(box, "close", "Dismiss"));
  close.addEventListener("click", () => closeCall(event.call));
  const number = el("p", "call-pop-number", caller);
  const name = el("p", "call-pop-name", who);
  pop.append(title, close, number, name);

  const record: string[] = [];
  if (customer && known) {
    if (customer.organization) record.push(customer.organization);
    if (customer.segment) record.push(customer.segment);
    if (customer.language) record.push(words(box, "language", "{language}").replace("{language}", customer.language));
  } else if (customer) {
    record.push(words(box, "newCustomer", "#{customer}").replace("{customer}", String(customer.id)));
  }
  if (record.length || customer?.key_account) {
    const line = el("p", "call-pop-record", record.join(" · "));
    if (customer?.key_account) line.prepend(el("span", "call-pop-key", words(box, "keyAccount", "Key account")));
    pop.append(line);
  }

  if (event.ticket_id > 0) {
    const open = ticketLink(
      event.ticket_id,
      words(box, "open", "#{ticket}").replace("{ticket}", String(event.ticket_id)),
      "btn btn-primary call-pop-open",
    );
    pop.append(open);
    // A new call's ticket is named after the caller's number, shown above already.
    if (event.subject && !event.subject.endsWith(caller)) pop.append(el("p", "call-pop-subject", event.subject));
  }

  const tickets = event.tickets ?? [];
  if (tickets.length) {
    const heading = el("h3", "call-pop-tickets-title", words(box, "tickets", "Open tickets"));
    const list = el("ul", "call-pop-tickets");
    for (const t of tickets) {
      const item = el("li", "");
      item.append(ticketLink(t.id, `#${t.id} ${t.subject}`, ""));
      list.append(item);
    }
    pop.append(heading, list);
  }

  if (soundBlocked()) {
    // Heard only after a click on the page (the browser's rule): say so, or the agent waits for a ring.
    const muted = words(box, "soundOff", "Sound is off until you click anywhere on this page.");
    pop.append(el("p", "call-pop-record sound-off", muted));
  }

  pop.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    closeCall(event.call);
  });
  box.append(pop);
  announce(words(box, "announce", "{caller}").replace("{caller}", customer?.name ? `${who} (${caller})` : caller));
  const seconds = event.timeout && event.timeout > 0 ? event.timeout : DEFAULT_TIMEOUT_S;
  timers.set(event.call, window.setTimeout(() => closeCall(event.call), seconds * 1000));
  rings.set(event.call, ringCall(event.call));
}

function closeCall(call: number): void {
  over.add(call);
  if (over.size > 200) over.delete(over.values().next().value as number);
  window.clearTimeout(timers.get(call));
  timers.delete(call);
  rings.get(call)?.();
  rings.delete(call);
  const pop = byId("call-pops")?.querySelector<HTMLElement>(`[data-call="${call}"]`);
  if (!pop) return;
  // Focus inside it would be lost with it: back to the page, not to nowhere.
  const hadFocus = pop.contains(document.activeElement);
  pop.remove();
  if (hadFocus) byId("ticket-title")?.focus({ preventScroll: true });
}

function typing(target: EventTarget | null): boolean {
  const node = target as HTMLElement | null;
  return Boolean(node?.closest("input, textarea, select, [contenteditable]"));
}

/** Escape anywhere outside a text field dismisses the newest pop-up (inside one, that one). */
export function installCallPop(): void {
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || e.defaultPrevented || typing(e.target)) return;
    const pops = byId("call-pops")?.querySelectorAll<HTMLElement>(".call-pop");
    const newest = pops?.[pops.length - 1];
    if (!newest) return;
    e.preventDefault();
    closeCall(Number(newest.dataset.call));
  });
}
