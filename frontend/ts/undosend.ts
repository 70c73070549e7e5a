/** Email gets a short undo window (UX.md, section 4): a reply that goes out by email waits in
 * the composer for the account's seconds (Settings → Account; ``data-undo-send`` on the page),
 * counting down beside "Rückgängig". Only then does htmx send it (``htmx:confirm`` and its
 * ``issueRequest``), so an undone reply never reached the hub: no message, no status change, no
 * first response on the clock, and the text is still in the composer (and saved as a draft).
 *
 * While it waits the composer stays as it was sent: the form is inert, the focus is on
 * "Rückgängig" (Escape undoes too), and shortcuts, macros and dropped files leave it alone
 * (``replyHeld``). Moving on sends at once: opening another ticket or view, the composer leaving
 * the page any other way (Back, for one: what was held goes as it was), or leaving the page (a
 * beacon then, which outlives the page). A reply sent on the way out that fails says so where
 * the agent is now. Chat and SMS go at once and show pending → delivered instead. */

import { announce, byId, postLeaving, ticketUrl } from "./dom";

interface Held {
  form: HTMLFormElement;
  issue: () => void;
  // The button that sent the form ("Send and solve", "Send anyway"): htmx forgets it when the
  // focus moves on, so it goes with the request again when the window ends.
  submitter: { name: string; value: string } | null;
  // What was sent, for when the form is gone by the time the window ends.
  sent: FormData;
  ticketId: number;
  timer: number;
  // When it goes: the countdown reads the clock, as a background tab's timers may run late.
  deadline: number;
}

let held: Held | null = null;
let releasing: Held["submitter"] | undefined;
// Tickets whose reply went as the agent moved on: its answer must not move them again.
const movedOn = new Set<number>();

function seconds(): number {
  const value = Number(document.body.dataset.undoSend ?? "0");
  return Number.isFinite(value) && value > 0 ? Math.min(value, 30) : 0;
}

function goesByEmail(form: HTMLFormElement): boolean {
  const mode = form.querySelector<HTMLInputElement>("input[name=mode]:checked")?.value;
  const channel = form.querySelector<HTMLSelectElement>("select[name=channel]")?.value ?? form.dataset.replyChannel;
  return mode === "reply" && channel === "email";
}

/** Whether the reply of ``ticketId`` went as the agent moved on (then the workspace does not
 * open the next ticket for it, nor put the focus back into its composer). */
export function sentMovingOn(ticketId: number | undefined): boolean {
  return ticketId !== undefined && movedOn.has(ticketId);
}

/** Everything of the form but its notice, out of reach while the reply waits (``inert`` keeps
 * the values in the form, as ``disabled`` would not). */
function freeze(form: HTMLFormElement, frozen: boolean): void {
  for (const part of Array.from(form.children)) {
    if (part.id !== "composer-notice") (part as HTMLElement).inert = frozen;
  }
  form.classList.toggle("is-holding", frozen);
}

function leftText(state: Held): string {
  const left = Math.max(1, Math.ceil((state.deadline - Date.now()) / 1000));
  return (state.form.dataset.undoLeft ?? "{n}").replace("{n}", String(left));
}

function draw(state: Held): void {
  const notice = byId("composer-notice");
  if (!notice) return;
  const line = document.createElement("p");
  line.className = "notice undo-send";
  const said = document.createElement("span");
  said.id = "undo-send-left";
  said.textContent = leftText(state);
  const undo = document.createElement("button");
  undo.type = "button";
  undo.id = "undo-send";
  undo.className = "btn undo-send-button";
  undo.textContent = state.form.dataset.undoButton ?? "";
  undo.addEventListener("click", () => undoSend());
  line.append(said, " ", undo);
  notice.replaceChildren(line);
  undo.focus();
}

function tick(): void {
  if (!held) return;
  if (!held.form.isConnected) {
    sendGone();
    return;
  }
  if (Date.now() >= held.deadline) {
    release(false);
    return;
  }
  const said = byId("undo-send-left");
  if (said) said.textContent = leftText(held);
}

function editor(): HTMLElement | null {
  const rich = byId("composer-rich");
  return rich && !rich.hidden ? rich : byId("composer-text");
}

function clear(): Held | null {
  const state = held;
  if (!state) return null;
  held = null;
  window.clearInterval(state.timer);
  freeze(state.form, false);
  const hadFocus = byId("composer-notice")?.contains(document.activeElement) ?? false;
  byId("composer-notice")?.replaceChildren();
  if (hadFocus) editor()?.focus();
  return state;
}

/** The window is over, or the agent moves on (``moving``): the reply goes now. */
function release(moving: boolean): void {
  const state = clear();
  if (!state) return;
  if (moving) {
    movedOn.add(state.ticketId);
    // Its answer may come after the next ticket is drawn: a failure is said there.
    state.form.addEventListener(
      "htmx:afterRequest",
      (e) => {
        if (!(e as CustomEvent<HtmxRequestDetail>).detail.successful) notSent(state);
      },
      { once: true },
    );
  }
  releasing = state.submitter;
  state.issue();
  releasing = undefined;
}

/** The composer left the page while its reply waited (Back, a redraw): what was held goes. */
function sendGone(): void {
  const state = held;
  if (!state) return;
  held = null;
  window.clearInterval(state.timer);
  movedOn.add(state.ticketId);
  void postLeaving(state.form.getAttribute("hx-post") ?? "", state.sent).then(
    (answer) => {
      if (!answer.ok) notSent(state);
    },
    () => notSent(state),
  );
}

/** A reply that went as the agent moved on did not go out: said on the page they are on now. */
function notSent(state: Held): void {
  const box = document.createElement("div");
  box.className = "notice notice-error undo-send-failed";
  box.setAttribute("role", "alert");
  const text = (state.form.dataset.undoFailed ?? "#{id}").replace("{id}", String(state.ticketId));
  const link = document.createElement("a");
  link.href = ticketUrl(state.ticketId);
  link.textContent = state.form.dataset.undoOpen ?? String(state.ticketId);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-icon";
  close.textContent = "×";
  close.setAttribute("aria-label", state.form.dataset.undoClose ?? "");
  close.addEventListener("click", () => box.remove());
  box.append(text, " ", link, " ", close);
  document.body.append(box);
}

function undoSend(): void {
  const state = held;
  if (!state) return;
  clear();
  editor()?.focus();
  announce(state.form.dataset.undone ?? "");
}

/** The page goes away: the browser keeps a beacon going after it (with the form's CSRF token).
 * Sent, the form stays marked as held, so the composer does not save its text as a draft again;
 * too big for a beacon, the draft saves it instead. */
function beacon(): void {
  const state = held;
  if (!state) return;
  window.clearInterval(state.timer);
  held = null;
  state.sent.set("csrfmiddlewaretoken", state.form.dataset.csrf ?? "");
  if (!navigator.sendBeacon(state.form.getAttribute("hx-post") ?? "", state.sent)) freeze(state.form, false);
}

export function installUndoSend(): void {
  document.body.addEventListener("htmx:confirm", (e) => {
    const detail = (e as CustomEvent<{ elt: Element; issueRequest: (skip: boolean) => void; triggeringEvent?: Event }>)
      .detail;
    if (detail.elt.id !== "composer-form" || e.defaultPrevented) return;
    // Ctrl+Enter again while one waits: the one waiting is the reply.
    if (held) {
      e.preventDefault();
      return;
    }
    const form = detail.elt as HTMLFormElement;
    const wait = seconds();
    if (!wait || !goesByEmail(form)) return;
    e.preventDefault();
    const button = (detail.triggeringEvent as SubmitEvent | undefined)?.submitter as HTMLButtonElement | null;
    const submitter = button?.name ? { name: button.name, value: button.value } : null;
    const sent = new FormData(form);
    if (submitter) sent.set(submitter.name, submitter.value);
    held = {
      form,
      issue: () => detail.issueRequest(true),
      submitter,
      sent,
      ticketId: Number(form.closest<HTMLElement>("#composer")?.dataset.ticketId ?? 0),
      timer: window.setInterval(tick, 250),
      deadline: Date.now() + wait * 1000,
    };
    freeze(form, true);
    draw(held);
    announce((form.dataset.undoSaid ?? "").replace("{n}", String(wait)));
  });

  document.body.addEventListener("htmx:configRequest", (e) => {
    const detail = (e as CustomEvent<HtmxConfigRequestDetail>).detail;
    if (detail.elt.id === "composer-form" && releasing) {
      (detail.parameters as Record<string, unknown>)[releasing.name] = releasing.value;
    }
  });

  // Escape while the reply waits is "undo", not "back to the list" (which would send it).
  document.addEventListener(
    "keydown",
    (e) => {
      if (!held || e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      undoSend();
    },
    { capture: true },
  );

  // Another ticket or view replaces the composer: the waiting reply goes first.
  document.body.addEventListener("htmx:beforeRequest", (e) => {
    const target = (e as CustomEvent<HtmxRequestDetail>).detail.target as HTMLElement | null;
    if (held && target && (target.id === "ticket" || target.id === "workspace")) release(true);
  });
  // Before the composer's own (capture runs first): the beacon carries the text, not the draft.
  window.addEventListener("pagehide", beacon, { capture: true });
  // Back from the browser's page cache: the beacon took the reply, the composer is free again.
  window.addEventListener("pageshow", (e) => {
    if (!e.persisted) return;
    const form = byId<HTMLFormElement>("composer-form");
    if (form?.classList.contains("is-holding")) {
      freeze(form, false);
      byId("composer-notice")?.replaceChildren();
    }
  });
}
