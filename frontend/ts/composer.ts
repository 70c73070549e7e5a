/** The composer: Ctrl/⌘+Enter sends (Enter stays a newline), the reply/note switch, keeping
 * the draft when the agent moves on, and what happens after a send, a 409 or an error. */

import "./attachments";
import { announce, byId, maxData, newClientId, postLeaving, refresh, replyHeld } from "./dom";
import "./forward";
import "./richtext";
import "./sendmenu";
import { installSmsCount, updateSmsCount } from "./smscount";
import { dropPending, showPending } from "./timeline";
import { sentMovingOn } from "./undosend";

let dirty = false;
let copiesTimer = 0;

function form(): HTMLFormElement | null {
  return byId<HTMLFormElement>("composer-form");
}

function textarea(): HTMLTextAreaElement | null {
  return byId<HTMLTextAreaElement>("composer-text");
}

function mode(): string {
  return form()?.querySelector<HTMLInputElement>("input[name=mode]:checked")?.value ?? "reply";
}

function applyMode(): void {
  const composer = byId("composer");
  const text = textarea();
  if (!composer || !text) return;
  const current = mode();
  composer.classList.toggle("mode-note", current === "note");
  composer.classList.toggle("mode-reply", current !== "note");
  text.placeholder = (current === "note" ? text.dataset.placeholderNote : text.dataset.placeholderReply) ?? "";
  updateSmsCount();
}

/** Save the draft now (before the composer leaves the page), surviving the page going away. */
export function flushDraft(): void {
  const f = form();
  const text = textarea();
  // A reply waiting out its undo window goes with the text (undosend.ts); as a draft it could
  // come back after the reply was sent.
  if (!dirty || !f || !text || replyHeld()) return;
  const url = text.getAttribute("hx-post");
  if (!url) return;
  dirty = false;
  void postLeaving(url, new FormData(f));
}

function setHidden(name: string, value: number): void {
  const input = form()?.querySelector<HTMLInputElement>(`input[name=${name}]`);
  if (input && value > 0) input.value = String(value);
}

function sayNotSent(reason: "failedLine" | "failedServer"): void {
  const notice = byId("composer-notice");
  const text = form()?.dataset[reason];
  if (!notice || !text) return;
  const line = document.createElement("p");
  line.className = "notice notice-error";
  line.setAttribute("role", "alert");
  line.textContent = text;
  notice.replaceChildren(line);
}

export function installComposer(): void {
  document.body.addEventListener("keydown", (e) => {
    const target = e.target as Element | null;
    if (!(target instanceof HTMLTextAreaElement) || target.id !== "composer-text") return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey) {
      e.preventDefault();
      form()?.requestSubmit();
    }
  });

  document.body.addEventListener("input", (e) => {
    const id = (e.target as Element | null)?.id;
    if (id === "composer-text") dirty = true;
    // Cc and Bcc are part of the draft: saved as the text is, a moment after typing stops.
    if (id === "composer-cc" || id === "composer-bcc") {
      dirty = true;
      window.clearTimeout(copiesTimer);
      copiesTimer = window.setTimeout(() => {
        const text = textarea();
        if (text) htmx.trigger(text, "draft:save");
      }, 800);
    }
  });

  // A new text begins with its first character: what the timeline shows then is what the agent
  // answers; a reply to the customer by someone else after that holds the send (after_message_id),
  // even once the timeline shows it.
  document.body.addEventListener("beforeinput", (e) => {
    const text = e.target as HTMLTextAreaElement | null;
    if (text?.id !== "composer-text" || text.value !== "") return;
    const timeline = byId("timeline");
    if (timeline) setHidden("after_message_id", maxData(timeline, "messageId"));
  });

  document.body.addEventListener("change", (e) => {
    const t = e.target as HTMLInputElement | null;
    if (t?.name === "mode" && t.closest("#composer-form")) {
      applyMode();
      const text = textarea();
      if (text) htmx.trigger(text, "draft:save");
    }
  });

  document.body.addEventListener("htmx:beforeRequest", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    const target = detail.target as HTMLElement | null;
    // Opening another ticket or view replaces the composer: keep what was typed first.
    if (target && (target.id === "ticket" || target.id === "workspace")) flushDraft();
    if (detail.elt === form() && mode() === "reply") showPending(textarea()?.value ?? "");
  });

  document.body.addEventListener("htmx:afterRequest", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (detail.elt === textarea() && detail.successful) dirty = false;
    if (detail.elt !== form() || detail.xhr.status === 200) return;
    dropPending();
    // Held (409) and refused (422) sends come with the server's own notice; for a send that never
    // reached the hub or that it failed on, the composer says so itself. The text stays.
    const status = detail.xhr.status;
    if (status !== 409 && status !== 422) sayNotSent(status === 0 ? "failedLine" : "failedServer");
  });

  // The server holds a send (409) or refuses it (422) with a notice: show it, keep the text.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const detail = (e as CustomEvent<HtmxBeforeSwapDetail>).detail;
    if (detail.target.id !== "composer-notice") return;
    const status = detail.xhr.status;
    if (status === 409 || status === 422) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterSwap", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    // A history restore (Back/Forward) swaps without a target.
    if (detail.target?.id !== "composer-notice" || detail.xhr.status !== 409) return;
    // The agent now sees the newer messages; sending again (or "send anyway") is informed.
    const newest = detail.target.querySelector<HTMLElement>("[data-conflict-newest]")?.dataset.conflictNewest;
    const seen = form()?.querySelector<HTMLInputElement>("input[name=seen_message_id]");
    if (newest && seen) seen.value = newest;
    refresh("timeline");
    // Held: said once in the live region, and the agent's next step is one key away.
    announce(detail.target.querySelector("#conflict-title")?.textContent?.trim() ?? "");
    detail.target.querySelector<HTMLButtonElement>("button[name=force]")?.focus();
  });

  // "Edit my reply" keeps the text and takes what was shown as read; "Discard my reply" drops it.
  document.body.addEventListener("click", (e) => {
    const button = (e.target as Element | null)?.closest<HTMLButtonElement>("#composer-notice [data-conflict]");
    const notice = byId("composer-notice");
    const text = textarea();
    if (!button || !notice || !text) return;
    const newest = Number(notice.querySelector<HTMLElement>("[data-conflict-newest]")?.dataset.conflictNewest ?? 0);
    setHidden("after_message_id", newest);
    notice.replaceChildren();
    if (button.dataset.conflict === "discard") {
      text.value = "";
      updateSmsCount();
      htmx.trigger(text, "draft:save");
      text.dispatchEvent(new CustomEvent("composer:discarded", { bubbles: true }));
    }
    text.focus();
  });

  document.body.addEventListener("hub:sent", (e) => {
    const text = textarea();
    const clientId = form()?.querySelector<HTMLInputElement>("input[name=client_id]");
    const sent = (e as CustomEvent<{ ticket_id?: number }>).detail?.ticket_id;
    if (text) {
      text.value = "";
      // Sent as the agent moved on: the focus goes where they went, not back here.
      if (!sentMovingOn(sent)) text.focus();
    }
    dirty = false;
    // A new key for the next message; the old one already names the message just sent.
    if (clientId) clientId.value = newClientId();
    const status = byId("composer-status");
    if (status) status.textContent = "";
    updateSmsCount();
    refresh("timeline");
    refresh("ticket-header");
    refresh("list");
  });

  // Header controls change at once; when the server refuses, the header shows the truth again.
  document.body.addEventListener("htmx:responseError", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (detail.elt.closest("#ticket-header")) refresh("ticket-header");
  });

  window.addEventListener("pagehide", flushDraft);
  installSmsCount();
  applyMode();
}

export { applyMode };
