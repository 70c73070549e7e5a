/** The timeline region: appends only what is new, never jumps while the agent reads further up. */

import { announce, byId, maxData, saveSwitch } from "./dom";

const NEAR_BOTTOM_PX = 80;
let wasAtBottom = true;

function timeline(): HTMLElement | null {
  return byId("timeline");
}

function atBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
}

export function scrollToEnd(): void {
  const el = timeline();
  if (el) el.scrollTop = el.scrollHeight;
  const pill = byId("new-below");
  if (pill) pill.hidden = true;
}

// The line stays at the top while mail frames above it load and grow, until the agent scrolls
// (browsers without scroll anchoring would otherwise push it out of sight).
let holdLine = false;

function toLine(el: HTMLElement, line: HTMLElement): void {
  el.scrollTop += line.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
  const pill = byId("new-below");
  if (pill) pill.hidden = atBottom(el); // more unread below the screen: "↓ New messages"
}

/**
 * A ticket opens at the first item this agent has not seen (UX.md 3), drawn by the server under
 * a line: that line goes to the top of the timeline. False when there is none (then the end).
 */
export function openAtFirstUnread(): boolean {
  const el = timeline();
  const line = byId("first-unread");
  holdLine = Boolean(el && line && !window.location.hash);
  if (!holdLine || !el || !line) return false;
  toLine(el, line);
  return true;
}

/** What the agent has seen: the send check compares it with newer messages on the server. */
export function updateSeen(): void {
  const el = timeline();
  const input = document.querySelector<HTMLInputElement>("#composer-form input[name=seen_message_id]");
  if (!el || !input) return;
  const latest = maxData(el, "messageId");
  if (latest > Number(input.value || 0)) input.value = String(latest);
}

function sizeEmailFrame(frame: HTMLIFrameElement): void {
  try {
    const doc = frame.contentDocument;
    if (doc?.readyState === "complete" && doc.body) {
      frame.style.height = `${Math.ceil(doc.documentElement.getBoundingClientRect().height) + 8}px`;
    }
  } catch {
    /* a frame we may not measure keeps its CSS height */
  }
}

/** Frames that finished loading before this script ran get their height here. */
export function sizeEmailFrames(): void {
  document.querySelectorAll<HTMLIFrameElement>("iframe.email-body").forEach(sizeEmailFrame);
}

// The agent's choice for system events made in this page, once made (null: the server's stands).
let systemShown: boolean | null = null;

export function installTimeline(): void {
  // System events (routing, assignments, status changes) hidden or shown, remembered for the agent.
  document.addEventListener("click", (e) => {
    const toggle = (e.target as Element | null)?.closest<HTMLElement>("#system-toggle");
    if (!toggle) return;
    saveSwitch(toggle, "aria-pressed", toggle.getAttribute("aria-pressed") !== "true", (shown) => {
      systemShown = shown;
      timeline()?.classList.toggle("hide-system", !shown);
    });
  });
  // A ticket drawn by a request that left before the choice was saved shows the old one: the
  // choice made here stands.
  document.body.addEventListener("htmx:afterSwap", () => {
    if (systemShown === null) return;
    timeline()?.classList.toggle("hide-system", !systemShown);
    byId("system-toggle")?.setAttribute("aria-pressed", String(systemShown));
  });
  document.body.addEventListener("htmx:configRequest", (e) => {
    const detail = (e as CustomEvent<HtmxConfigRequestDetail>).detail;
    const el = timeline();
    if (!el || detail.elt !== el || detail.verb !== "get") return;
    // The region appends (hx-swap="beforeend"): ask only for what came after what we show.
    const params = detail.parameters as Record<string, unknown>;
    params.after = String(maxData(el, "messageId"));
    params.after_event = String(maxData(el, "eventId"));
  });

  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const el = timeline();
    const detail = (e as CustomEvent<HtmxBeforeSwapDetail>).detail;
    if (el && detail.target === el) wasAtBottom = atBottom(el);
  });

  document.body.addEventListener("htmx:afterSwap", (e) => {
    const el = timeline();
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (!el || detail.target !== el) return;
    const ids = new Set<string>();
    let fresh: HTMLElement | null = null;
    el.querySelectorAll<HTMLElement>(":scope > .item[id]").forEach((item) => {
      // A refresh racing another can bring an item twice; the first copy stays.
      if (ids.has(item.id)) item.remove();
      else ids.add(item.id);
      if (item.dataset.fresh === undefined) {
        item.dataset.fresh = "";
        if (item.dataset.announce) fresh = item;
      }
    });
    el.querySelectorAll(".is-pending").forEach((p) => p.remove());
    updateSeen();
    if (fresh) announce((fresh as HTMLElement).dataset.announce ?? "");
    if (wasAtBottom) scrollToEnd();
    else {
      const pill = byId("new-below");
      if (pill && fresh) pill.hidden = false;
    }
  });

  document.addEventListener(
    "load",
    (e) => {
      const t = e.target;
      if (!(t instanceof HTMLIFrameElement && t.classList.contains("email-body"))) return;
      sizeEmailFrame(t);
      const el = timeline();
      const line = byId("first-unread");
      if (holdLine && el && line) toLine(el, line);
    },
    true,
  );
  // The agent moves: from now on the page stays where they put it.
  for (const type of ["wheel", "touchstart", "keydown", "mousedown"]) {
    document.addEventListener(type, () => (holdLine = false), { capture: true, passive: true });
  }
  // Scrolled to the end by hand: nothing new is below any more.
  document.addEventListener(
    "scroll",
    (e) => {
      const el = timeline();
      const pill = byId("new-below");
      if (el && pill && e.target === el && !pill.hidden && atBottom(el)) pill.hidden = true;
    },
    { capture: true, passive: true },
  );

  document.body.addEventListener("click", (e) => {
    const t = e.target as Element | null;
    if (t?.closest("#new-below")) scrollToEnd();
  });

  window.addEventListener("hashchange", unfoldLinked);

  // An older mail opened from its one line: the keyboard goes on from the whole card.
  document.body.addEventListener("htmx:afterSwap", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    const source = detail.requestConfig?.elt;
    if (!source?.classList.contains("email-unfold")) return;
    const card = document.querySelector<HTMLElement>(source.getAttribute("hx-target") ?? "");
    if (!card) return;
    card.tabIndex = -1;
    card.focus({ preventScroll: true });
  });
}

/** A link to a mail (`#m-<id>`) shown folded opens it. */
export function unfoldLinked(): void {
  const id = window.location.hash.slice(1);
  if (!/^m-\d+$/.test(id)) return;
  byId(id)?.querySelector<HTMLButtonElement>(".email-unfold")?.click();
}

/** Mark the timeline items already on the page, so only later ones are announced. */
export function markTimelineSeen(): void {
  timeline()
    ?.querySelectorAll<HTMLElement>(":scope > .item")
    .forEach((item) => (item.dataset.fresh = ""));
}

/** A bubble shown at once while the send is on its way; the real one replaces it. */
export function showPending(text: string): void {
  const el = timeline();
  const tpl = byId<HTMLTemplateElement>("pending-template");
  if (!el || !tpl || !text.trim()) return;
  const node = tpl.content.firstElementChild?.cloneNode(true) as HTMLElement | undefined;
  if (!node) return;
  const body = node.querySelector(".bubble-body");
  if (body) body.textContent = text;
  el.appendChild(node);
  scrollToEnd();
}

export function dropPending(): void {
  timeline()?.querySelectorAll(".is-pending").forEach((p) => p.remove());
}
