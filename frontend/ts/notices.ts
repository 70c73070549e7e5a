/** In-app notices a routing rule sends (`notify`): a toast linking the ticket, also announced.
 * The words come from the page (`#rule-notices`, rendered in the agent's language); the rule's
 * name and the ticket's subject are set as text, never as markup. */

import { announce, byId, ticketUrl } from "./dom";

export interface Notice {
  ticket_id: number;
  rule?: string;
  subject?: string;
}

const SHOWN_MS = 20_000;

export function showNotice(notice: Notice): void {
  const box = byId("rule-notices");
  if (!box) return;
  // Braces, not %(…)s: Django's {% translate %} doubles every % of a literal before the lookup.
  const pattern = box.dataset.text ?? "{rule}: #{ticket}";
  const text = pattern.replace("{rule}", notice.rule ?? "").replace("{ticket}", String(notice.ticket_id));
  const item = document.createElement("div");
  item.className = "rule-notice";
  const link = document.createElement("a");
  link.href = ticketUrl(notice.ticket_id);
  link.textContent = text;
  const subject = document.createElement("span");
  subject.className = "rule-notice-subject";
  subject.textContent = notice.subject ?? "";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "rule-notice-close";
  close.setAttribute("aria-label", box.dataset.close ?? "×");
  close.textContent = "×";
  close.addEventListener("click", () => item.remove());
  item.append(link, subject, close);
  box.append(item);
  while (box.children.length > 5) box.firstElementChild?.remove();
  announce(`${text} ${notice.subject ?? ""}`);
  window.setTimeout(() => item.remove(), SHOWN_MS);
}
