/** Small DOM helpers shared by the islands. Regions are looked up by id every time: history
 * restores and region swaps replace elements, so a cached reference would go stale. */

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T | null =>
  document.getElementById(id) as T | null;

// Regions whose refresh waits for a control's request, with the ticket version that asked (if known).
const deferred = new Map<string, number | undefined>();

/** Ask a region to fetch itself again (`live:refresh`). The refresh waits (`refreshDeferred`)
 * - while a control inside it (status, assignee, priority) has its own request in flight: the
 *   control shares the region's `hx-sync="this:replace"`, so refreshing now would abort the
 *   agent's change;
 * - while htmx has yet to set up the region an answer just drew (its swap settles some 20 ms
 *   later): the trigger would reach no listener, and the event that asked would be lost.
 * ``version``: the ticket version the change behind the refresh made (a live event's). */
export function refresh(id: string, version?: number): void {
  const el = byId(id);
  if (!el) return;
  if (!el.querySelector(".htmx-request") && !settling(el)) {
    htmx.trigger(el, "live:refresh");
    return;
  }
  // A refresh asked without a version is due whatever the region shows.
  const before = deferred.has(id) ? deferred.get(id) : version;
  deferred.set(id, version === undefined || before === undefined ? undefined : Math.max(version, before));
}

/** Whether htmx has yet to set up ``el`` (or a region holding it) that an answer drew: it does
 * so when the swap settles, and a trigger on it before then reaches no listener. */
export function settling(el: Element): boolean {
  return !!el.closest(".htmx-added, .htmx-settling");
}

/** The refreshes that waited (called once a request has finished or a swap settled). A
 * region the control's answer drew at that version or later (``data-version``) is current: asking
 * again would only race the agent's next change. */
export function refreshDeferred(): void {
  const waiting = [...deferred];
  deferred.clear();
  for (const [id, version] of waiting) {
    const shown = Number(byId(id)?.dataset.version ?? 0);
    if (version === undefined || shown < version) refresh(id, version);
  }
}

export function openTicketId(): number | null {
  const value = byId("ticket")?.dataset.ticketId;
  return value ? Number(value) : null;
}

/** The signed-in agent's id (``data-me`` on the shortcuts dialog, ``#keys-help``), or null when
 * the page names none: compare with ``!== null`` first, since an unassigned ticket's assignee is
 * null too. */
export function myAgentId(): number | null {
  const id = Number(byId("keys-help")?.dataset.me || Number.NaN);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** A text the page gives ``box`` in the agent's language (``data-<key>``), or ``fallback``. */
export function words(box: HTMLElement, key: string, fallback: string): string {
  return box.dataset[key] ?? fallback;
}

/** A new ``tag`` element of ``className`` holding ``text`` as text, never as markup. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function maxData(root: ParentNode, attr: "messageId" | "eventId"): number {
  const selector = attr === "messageId" ? ":scope > [data-message-id]" : ":scope > [data-event-id]";
  let max = 0;
  root.querySelectorAll<HTMLElement>(selector).forEach((el) => {
    const n = Number(el.dataset[attr]);
    if (n > max) max = n;
  });
  return max;
}

export function csrfToken(): string {
  try {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") ?? "{}") as Record<string, string>;
    return headers["X-CSRFToken"] ?? "";
  } catch {
    return "";
  }
}

/** A form POST as htmx sends it (CSRF token, ``HX-Request``) that outlives the page (``keepalive``):
 * for what must reach the hub as the agent leaves (a draft, a held reply). */
export function postLeaving(url: string, body: FormData): Promise<Response> {
  return fetch(url, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    credentials: "same-origin",
    keepalive: true,
  });
}

/** A ticket's permalink (``agent_permalink``): it opens in the view the ticket belongs to. */
export function ticketUrl(id: number): string {
  return `/agent/t/${id}/`;
}

export function newClientId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID().replace(/-/g, "");
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function announce(text: string): void {
  const region = byId("announcer");
  if (!region || !text) return;
  // Clearing first makes screen readers repeat an identical announcement.
  region.textContent = "";
  window.setTimeout(() => (region.textContent = text), 50);
}

const MAX_BACKOFF_MS = 30_000;

/** Delay before reconnect attempt ``attempt`` (0, 1, …): exponential up to 30 s, with jitter,
 * so a server restart does not bring every agent's sockets back in the same instant. */
export function reconnectDelay(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** The composer's textarea is a combobox only while one of its lists (canned replies, mentions)
 * is open. Closing ``listId``'s list makes it a plain textbox again: the combobox's states go
 * with the role, since aria-expanded and the like are not allowed on a textbox. Another island's
 * list, open meanwhile, keeps them. */
export function endCombobox(area: HTMLElement, listId: string): void {
  if (area.getAttribute("aria-controls") !== listId) return;
  for (const name of ["role", "aria-autocomplete", "aria-controls", "aria-expanded", "aria-activedescendant"]) {
    area.removeAttribute(name);
  }
}

/** Save one of the agent's own switches (``data-url``: "on" 1 or 0) and show it at once; the
 * button's ``attr`` ("aria-checked", "aria-pressed") goes back when the save fails. ``shown``
 * draws the state elsewhere too (and again on failure). */
export function saveSwitch(button: HTMLElement, attr: string, on: boolean, shown?: (on: boolean) => void): void {
  const show = (state: boolean): void => {
    button.setAttribute(attr, String(state));
    shown?.(state);
  };
  show(on);
  const body = new URLSearchParams({ on: on ? "1" : "0" });
  void fetch(button.dataset.url ?? "", { method: "POST", body, headers: { "X-CSRFToken": csrfToken() } }).then(
    (answer) => {
      if (!answer.ok) show(!on);
    },
    () => show(!on),
  );
}

/** An email reply waits out its undo window (undosend.ts): the composer must stay as it was sent,
 * so shortcuts, macros and dropped files leave it alone meanwhile. */
export function replyHeld(): boolean {
  return Boolean(document.querySelector("#composer-form.is-holding"));
}
