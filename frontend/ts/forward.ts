/** Forwarding: a message's ↪ button in the timeline, or "Forward conversation" in the ticket
 * header's menu, opens the forward panel in place of the composer's form (the draft stays
 * there untouched); Cancel or a sent forward brings the form back. */

import { announce, byId, newClientId, refresh } from "./dom";

function panel(): HTMLElement | null {
  return byId("forward-panel");
}

function close(done: boolean): void {
  const box = panel();
  const form = byId("composer-form");
  if (!box) return;
  box.replaceChildren();
  box.hidden = true;
  if (form) form.hidden = false;
  if (done) announce(box.dataset.done ?? "");
  byId<HTMLTextAreaElement>("composer-text")?.focus();
}

function open(messageId: string): void {
  const box = panel();
  const url = box?.dataset.url;
  if (!box || !url) return;
  const query = messageId ? `?message=${encodeURIComponent(messageId)}` : "";
  void htmx.ajax("GET", url + query, { target: box, swap: "innerHTML" }).then(() => {
    const form = byId("composer-form");
    if (form) form.hidden = true;
    box.hidden = false;
    const key = box.querySelector<HTMLInputElement>("[data-forward-client-id]");
    if (key) key.value = newClientId();
    byId<HTMLInputElement>("forward-to")?.focus();
  });
}

function install(): void {
  document.body.addEventListener("click", (e) => {
    const target = e.target as Element | null;
    const trigger = target?.closest<HTMLElement>("[data-forward]");
    if (trigger) {
      e.preventDefault();
      open(trigger.dataset.forward ?? "");
      return;
    }
    if (target?.closest("#forward-panel [data-forward-cancel]")) close(false);
  });

  document.body.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && (e.target as Element | null)?.closest("#forward-panel")) {
      e.preventDefault(); // taken: not also "back to the list" (keys.ts)
      close(false);
    }
  });

  // 422 (a wrong address): the panel shows why and keeps what was typed.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const detail = (e as CustomEvent<HtmxBeforeSwapDetail>).detail;
    if (detail.target.id === "forward-notice" && detail.xhr.status === 422) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  document.body.addEventListener("hub:forwarded", () => {
    close(true);
    refresh("timeline");
  });
}

install();
