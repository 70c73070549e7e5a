/** Email gets a short undo window (UX.md, section 4): a reply that goes out by email waits in
 * the composer for the account's seconds (Settings → Account; ``data-undo-send`` on the page),
 * counting down beside "Rückgängig". Only then does htmx send it (``htmx:confirm`` and its
 * ``issueRequest``), so an undone reply never reached the hub: no message, no status change, no
 * first response on the clock, and the text is still in the composer (and saved as a draft).
 *
 * Moving on sends at once: opening another ticket or view, or leaving the page (a beacon then,
 * which outlives the page), so a reply the agent sent is never lost by moving on. Chat and SMS
 * go at once and show pending → delivered instead. */

import { announce, byId } from "./dom";

interface Held {
  form: HTMLFormElement;
  issue: () => void;
  // The button that sent the form ("Send and solve", "Send anyway"): htmx forgets it when the
  // focus moves on, so it goes with the request again when the window ends.
  submitter: { name: string; value: string } | null;
  timer: number;
  // When it goes: the countdown reads the clock, as a background tab's timers may run late.
  deadline: number;
}

let held: Held | null = null;
let releasing: Held["submitter"] | undefined;

function seconds(): number {
  const value = Number(document.body.dataset.undoSend ?? "0");
  return Number.isFinite(value) && value > 0 ? Math.min(value, 30) : 0;
}

function goesByEmail(form: HTMLFormElement): boolean {
  const mode = form.querySelector<HTMLInputElement>("input[name=mode]:checked")?.value;
  const channel = form.querySelector<HTMLSelectElement>("select[name=channel]")?.value ?? form.dataset.replyChannel;
  return mode === "reply" && channel === "email";
}

/** Everything of the form but its notice, out of reach while the reply waits (``inert`` keeps
 * the values in the form, as ``disabled`` would not). */
function freeze(form: HTMLFormElement, frozen: boolean): void {
  for (const part of Array.from(form.children)) {
    if (part.id !== "composer-notice") (part as HTMLElement).inert = frozen;
  }
  form.classList.toggle("is-holding", frozen);
}

function draw(state: Held): void {
  const notice = byId("composer-notice");
  const form = state.form;
  if (!notice) return;
  const line = document.createElement("p");
  line.className = "notice undo-send";
  const said = document.createElement("span");
  said.id = "undo-send-left";
  said.textContent = (form.dataset.undoLeft ?? "{n}").replace("{n}", String(left(state)));
  const undo = document.createElement("button");
  undo.type = "button";
  undo.className = "btn undo-send-button";
  undo.textContent = form.dataset.undoButton ?? "";
  undo.addEventListener("click", () => undoSend());
  line.append(said, " ", undo);
  notice.replaceChildren(line);
}

function left(state: Held): number {
  return Math.ceil((state.deadline - Date.now()) / 1000);
}

function tick(): void {
  if (!held) return;
  if (left(held) <= 0) {
    release();
    return;
  }
  const said = byId("undo-send-left");
  if (said) said.textContent = (held.form.dataset.undoLeft ?? "{n}").replace("{n}", String(left(held)));
}

function clear(): Held | null {
  const state = held;
  if (!state) return null;
  held = null;
  window.clearInterval(state.timer);
  freeze(state.form, false);
  byId("composer-notice")?.replaceChildren();
  return state;
}

/** The window is over (or the agent moves on): the reply goes now. */
function release(): void {
  const state = clear();
  if (!state) return;
  releasing = state.submitter;
  state.issue();
}

function undoSend(): void {
  const state = clear();
  if (!state) return;
  announce(state.form.dataset.undone ?? "");
  const text = byId<HTMLTextAreaElement>("composer-text");
  const rich = byId("composer-rich");
  (rich && !rich.hidden ? rich : text)?.focus();
}

/** The page goes away: the browser keeps a beacon going after it (with the form's CSRF token). */
function beacon(): void {
  const state = held;
  if (!state) return;
  window.clearInterval(state.timer);
  held = null;
  const data = new FormData(state.form);
  if (state.submitter) data.set(state.submitter.name, state.submitter.value);
  data.set("csrfmiddlewaretoken", state.form.dataset.csrf ?? "");
  navigator.sendBeacon(state.form.getAttribute("hx-post") ?? "", data);
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
    held = {
      form,
      issue: () => detail.issueRequest(true),
      submitter: button?.name ? { name: button.name, value: button.value } : null,
      timer: window.setInterval(tick, 250),
      deadline: Date.now() + wait * 1000,
    };
    freeze(form, true);
    draw(held);
    announce((form.dataset.undoSaid ?? "").replace("{n}", String(wait)));
  });

  document.body.addEventListener("htmx:configRequest", (e) => {
    const detail = (e as CustomEvent<HtmxConfigRequestDetail>).detail;
    if (detail.elt.id !== "composer-form" || releasing === undefined) return;
    if (releasing) (detail.parameters as Record<string, unknown>)[releasing.name] = releasing.value;
    releasing = undefined;
  });

  // Another ticket or view replaces the composer: the waiting reply goes first.
  document.body.addEventListener("htmx:beforeRequest", (e) => {
    const target = (e as CustomEvent<HtmxRequestDetail>).detail.target as HTMLElement | null;
    if (held && target && (target.id === "ticket" || target.id === "workspace")) release();
  });
  window.addEventListener("pagehide", beacon);
}
