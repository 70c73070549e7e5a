/**
 * "Annehmen" for a new live chat (UX.md 6): who writes and about what, with "Annehmen" (the
 * chat becomes the agent's and opens) and "Später". It goes after a minute, when dismissed or
 * taken, and says who was faster when someone else accepted first (409). A chat routing gave to
 * someone else raises none; one it gave to this agent offers "Öffnen". The words come from the
 * page (`#chat-pops`, in the agent's language); what the visitor wrote is set as text only.
 */
import { announce, byId, csrfToken, el, myAgentId, ticketUrl, words } from "./dom";

export interface ChatEvent {
  ticket_id: number;
  customer?: string;
  subject?: string;
  assignee_id?: number | null;
}

const SHOWN_MS = 60_000;

function close(pop: HTMLElement): void {
  const hadFocus = pop.contains(document.activeElement);
  pop.remove();
  if (!hadFocus) return;
  // The focus goes where the agent works, not to the page's start.
  const next = byId("ticket-title") ?? document.querySelector<HTMLElement>("#list .row-link");
  next?.focus();
}

async function accept(box: HTMLElement, pop: HTMLElement, ticketId: number, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const url = (box.dataset.acceptUrl ?? "").replace("/0/", `/${ticketId}/`);
  let answer: Response;
  try {
    answer = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      credentials: "same-origin",
    });
  } catch {
    button.disabled = false;
    return;
  }
  const body = (await answer.json().catch(() => ({}))) as { url?: string; detail?: string };
  if (answer.ok && body.url) {
    pop.remove();
    window.location.assign(body.url);
    return;
  }
  // Someone was faster, or the agent may not take it: say so in place of the buttons (an answer
  // that is not ours, a signed-out session or a server error, in the page's own words).
  const said = body.detail || words(box, "failed", "The chat could not be accepted.");
  pop.querySelector(".chat-pop-actions")?.replaceChildren(el("p", "chat-pop-taken", said));
  announce(said);
  window.setTimeout(() => close(pop), 8_000);
}

export function offerChat(event: ChatEvent): void {
  const box = byId("chat-pops");
  if (!box || typeof event.ticket_id !== "number") return;
  const me = myAgentId();
  const mine = me !== null && event.assignee_id === me;
  if (event.assignee_id && !mine) return; // routing gave it to a colleague
  if (box.dataset.readOnly && !mine) return; // a viewer takes no chat
  if (box.querySelector(`[data-ticket="${event.ticket_id}"]`)) return;
  const name = event.customer || words(box, "visitor", "Visitor");
  const pop = el("section", "call-pop chat-pop");
  pop.dataset.ticket = String(event.ticket_id);
  pop.setAttribute("aria-label", words(box, "title", "New chat"));
  const dismiss = el("button", "call-pop-close", "×");
  dismiss.type = "button";
  dismiss.setAttribute("aria-label", words(box, "close", "Dismiss"));
  dismiss.addEventListener("click", () => close(pop));
  pop.append(el("p", "call-pop-title", words(box, "title", "New chat")), dismiss, el("p", "call-pop-name", name));
  if (event.subject) pop.append(el("p", "call-pop-subject", event.subject));
  const actions = el("div", "chat-pop-actions");
  if (mine) {
    const open = el("a", "btn btn-primary", words(box, "open", "Open"));
    open.href = ticketUrl(event.ticket_id);
    actions.append(open);
  } else {
    const take = el("button", "btn btn-primary", words(box, "accept", "Accept"));
    take.type = "button";
    take.addEventListener("click", () => void accept(box, pop, event.ticket_id, take));
    const later = el("button", "btn", words(box, "later", "Later"));
    later.type = "button";
    later.addEventListener("click", () => close(pop));
    actions.append(take, later);
  }
  pop.append(actions);
  box.append(pop);
  announce(words(box, "announce", "New chat from {name}").replace("{name}", name));
  window.setTimeout(() => close(pop), SHOWN_MS);
}

/** The chat went to someone (a colleague accepted it, or was given it): its offer goes. */
export function chatAssigned(ticketId: number, assigneeId: number | null | undefined): void {
  if (!assigneeId || assigneeId === myAgentId()) return;
  const pop = byId("chat-pops")?.querySelector<HTMLElement>(`[data-ticket="${ticketId}"]`);
  if (pop) close(pop);
}
