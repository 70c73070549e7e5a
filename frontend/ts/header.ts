/** The ticket header's controls keep the agent where they were.
 *
 * - After any swap of the header (a control's own answer or a live refresh) the keyboard focus
 *   goes back to the control that was used (or the one it names in `data-focus-after`, when the
 *   control itself is gone), and what changed is said in the page's live region: the server
 *   names it in `HX-Trigger: {"hub:announce": "..."}`.
 * - A select saves only a committed choice: picked with the mouse, or with the keyboard once the
 *   agent presses Enter or leaves it. Arrow keys on a closed select move through values without
 *   saving each one; Escape puts the saved value back.
 * - One change at a time: a control changed while another's change is on its way, or before
 *   htmx has set up the header an answer drew, waits, then goes from the control that answer
 *   drew (see `commitControl`).
 * - Tags: an ARIA combobox with the existing tags (fetched as typed) and "Create tag …".
 * - The merge confirmation is a modal dialog; closing it returns focus to its opener.
 */

import { announce, byId, openTicketId, settling } from "./dom";

const HEADER = "ticket-header";
const ANNOUNCE = "hub:announce";
const NAV_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

interface HtmxMore {
  process(elt: Element): void;
  ajax(
    verb: string,
    path: string,
    context: { target: string; swap: string; source: Element; values: Record<string, string> },
  ): Promise<void>;
}

// ---- Focus and state across swaps ----------------------------------------------------------

interface Kept {
  focus: string | null;
  fallback: string | null;
  open: string[];
  values: Map<string, string>;
  results: string | null;
}

let kept: Kept | null = null;
let requested: { id: string | null; fallback: string | null } | null = null;

function inHeader(el: Element | null): boolean {
  return !!el && !!el.closest(`#${HEADER}`);
}

function keep(isGet: boolean): Kept {
  const header = byId(HEADER);
  const active = document.activeElement;
  const focusEl = inHeader(active) ? (active as HTMLElement) : null;
  const values = new Map<string, string>();
  const open: string[] = [];
  let results: string | null = null;
  // A live refresh must not close what the agent has open nor drop what they typed.
  if (isGet && header) {
    header.querySelectorAll<HTMLDetailsElement>("details[open][id]").forEach((d) => open.push(d.id));
    header.querySelectorAll<HTMLInputElement>("input[id]:not([type=hidden])").forEach((i) => {
      if (i.value) values.set(i.id, i.value);
    });
    results = byId("relate-results")?.innerHTML ?? null;
  }
  return {
    focus: requested?.id ?? focusEl?.id ?? null,
    fallback: requested?.fallback ?? focusEl?.dataset.focusAfter ?? null,
    open,
    values,
    results,
  };
}

function restore(state: Kept): void {
  state.open.forEach((id) => byId<HTMLDetailsElement>(id)?.setAttribute("open", ""));
  state.values.forEach((value, id) => {
    const input = byId<HTMLInputElement>(id);
    if (input && !input.value) input.value = value;
  });
  const results = byId("relate-results");
  if (results && state.results) {
    results.innerHTML = state.results;
    (htmx as unknown as HtmxMore).process(results);
  }
  // A field the server refused (the snooze time) takes the focus, so its reason is read.
  const invalid = byId(HEADER)?.querySelector<HTMLElement>("[aria-invalid=true]");
  // The control used, unless it went or is out of sight (a closed menu's item): then the one it names.
  const shown = (id: string | null): HTMLElement | null => {
    const el = id ? byId(id) : null;
    return el && el.getClientRects().length > 0 ? el : null;
  };
  // Where the agent went meanwhile (the composer, the list) keeps the focus.
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected && !inHeader(active)) return;
  const target = invalid ?? shown(state.focus) ?? shown(state.fallback);
  target?.focus({ preventScroll: true });
}

// ---- Committed choices in selects ------------------------------------------------------------

let navigating = false;

/** The value the server rendered as chosen. */
function saved(select: HTMLSelectElement): string {
  return Array.from(select.options).find((o) => o.defaultSelected)?.value ?? select.value;
}

function commit(select: HTMLSelectElement): void {
  delete select.dataset.pending;
  if (select.value === saved(select)) return;
  commitControl(select);
}

function installSelects(): void {
  const body = document.body;
  body.addEventListener("keydown", (e) => {
    const select = e.target as HTMLSelectElement;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-commit")) return;
    if (NAV_KEYS.has(e.key) || (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey)) {
      navigating = true;
      window.setTimeout(() => (navigating = false));
    } else if (e.key === "Enter" && select.dataset.pending) {
      e.preventDefault();
      commit(select);
    } else if (e.key === "Escape" && select.dataset.pending) {
      select.value = saved(select);
      delete select.dataset.pending;
    }
  });
  body.addEventListener("change", (e) => {
    const select = e.target as HTMLSelectElement;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-commit")) return;
    if (navigating) select.dataset.pending = "1";
    else commit(select);
  });
  body.addEventListener("focusout", (e) => {
    const select = e.target as HTMLSelectElement;
    if (select instanceof HTMLSelectElement && select.dataset.pending) commit(select);
  });
}

// ---- One change at a time -------------------------------------------------------------------

// The controls share the header's `hx-sync="this:replace"` (its live refresh wants that), so a
// change made while another is on its way ("a" then "e" from the keyboard) would abort the
// first, and the server drops an aborted request. And for some 20 ms after any answer is drawn
// (htmx's settle), the new controls are not yet set up: a change sent from one then goes nowhere.
// So a change made in either moment waits here, by control and for its ticket, and goes once the
// header is ready, from the control the answer drew.
let writing = false;
const waiting = new Map<string, { ticket: number | null; value: string; shortcut: boolean }>();

function isHeaderWrite(verb: string | undefined, target: Element | null | undefined): boolean {
  return !!verb && verb !== "get" && target?.id === HEADER;
}

/** Whether htmx has yet to set up the header it drew last (its swap has not settled). */
function headerSettling(): boolean {
  const header = byId(HEADER);
  return !!header && settling(header);
}

/** Save a control's chosen value now, or as soon as the header can take it. ``shortcut``: set
 * from a key, not on the control, so the answer leaves the focus where the agent is. */
export function commitControl(select: HTMLSelectElement, shortcut = false): void {
  if (writing || headerSettling()) {
    waiting.set(select.id, { ticket: openTicketId(), value: select.value, shortcut });
    return;
  }
  if (shortcut) select.dataset.shortcut = "1";
  htmx.trigger(select, "hub:commit");
}

function sendWaiting(): void {
  if (writing || headerSettling()) return;
  for (const [id, { ticket, value, shortcut }] of waiting) {
    waiting.delete(id);
    // Another ticket opened meanwhile: its control of the same name is not the one changed.
    if (ticket !== openTicketId()) continue;
    const select = byId<HTMLSelectElement>(id);
    if (!select || !Array.from(select.options).some((o) => o.value === value)) continue;
    select.value = value;
    if (value === saved(select)) continue; // the answer shows it saved already
    if (shortcut) select.dataset.shortcut = "1";
    htmx.trigger(select, "hub:commit");
    return; // the rest wait for this one's answer
  }
}

function installQueue(): void {
  const body = document.body;
  body.addEventListener("htmx:beforeSend", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (isHeaderWrite(detail.requestConfig?.verb, detail.target)) writing = true;
  });
  body.addEventListener("htmx:afterRequest", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (!isHeaderWrite(detail.requestConfig?.verb, detail.target)) return;
    writing = false;
    // An answer drawn goes on once htmx has set up its controls (`afterSettle`); one that was not
    // (the server refused, or the line failed) goes on now.
    if (!detail.successful) window.setTimeout(sendWaiting);
  });
  // A change the line lost: the control shows what is saved again, and the header says so.
  const lost = (e: Event): void => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (!isHeaderWrite(detail.requestConfig?.verb, detail.target)) return;
    if (detail.elt instanceof HTMLSelectElement) detail.elt.value = saved(detail.elt);
    const notice = byId("header-unsaved");
    if (notice) notice.hidden = false;
  };
  body.addEventListener("htmx:sendError", lost);
  body.addEventListener("htmx:timeout", lost);
  // Any settle may be the header's: its own swap, or a larger region's that holds it.
  body.addEventListener("htmx:afterSettle", () => sendWaiting());
}

// ---- Tags combobox ---------------------------------------------------------------------------

let tagTimer = 0;
let tagActive = -1;
let tagRequest = 0;

function tagInput(): HTMLInputElement | null {
  return byId<HTMLInputElement>("tag-input");
}

function options(): HTMLElement[] {
  return Array.from(byId("tag-options")?.querySelectorAll<HTMLElement>("[role=option]") ?? []);
}

function closeTags(): void {
  const input = tagInput();
  const list = byId("tag-options");
  if (list) list.hidden = true;
  input?.setAttribute("aria-expanded", "false");
  input?.removeAttribute("aria-activedescendant");
  tagActive = -1;
}

function setActive(index: number): void {
  const opts = options();
  const input = tagInput();
  if (!input || opts.length === 0) return;
  tagActive = (index + opts.length) % opts.length;
  opts.forEach((o, i) => o.setAttribute("aria-selected", String(i === tagActive)));
  input.setAttribute("aria-activedescendant", opts[tagActive].id);
  opts[tagActive].scrollIntoView({ block: "nearest" });
}

function showTags(names: string[], typed: string): void {
  const input = tagInput();
  const list = byId("tag-options");
  if (!input || !list) return;
  list.replaceChildren();
  const add = (id: string, label: string, value: string, create: boolean): void => {
    const li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.value = value;
    if (create) li.classList.add("is-create");
    li.textContent = label;
    list.append(li);
  };
  names.forEach((name, i) => add(`tag-opt-${i}`, name, name, false));
  const wanted = typed.trim().toLowerCase();
  if (wanted && !names.includes(wanted)) {
    add("tag-opt-new", (input.dataset.create ?? "{name}").replace("{name}", wanted), wanted, true);
  }
  if (list.children.length === 0) {
    closeTags();
    return;
  }
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  tagActive = -1;
  input.removeAttribute("aria-activedescendant");
}

/** Ask for the tags matching what the field holds now. A live refresh of the header may have
 * replaced the field meanwhile (its text kept): the answer goes to whichever field is there. */
async function suggest(): Promise<void> {
  const input = tagInput();
  const url = input?.dataset.suggestUrl;
  if (!input || !url) return;
  const typed = input.value;
  const mine = ++tagRequest;
  const response = await fetch(`${url}?q=${encodeURIComponent(typed)}`, { headers: { Accept: "application/json" } });
  if (!response.ok || mine !== tagRequest) return;
  const data = (await response.json()) as { tags: string[] };
  if (tagInput()?.value === typed && document.activeElement === tagInput()) showTags(data.tags, typed);
}

function addTag(input: HTMLInputElement, name: string): void {
  const url = input.dataset.updateUrl;
  const value = name.trim();
  if (!url || !value) return;
  closeTags();
  requested = { id: "tag-input", fallback: null };
  void (htmx as unknown as HtmxMore).ajax("POST", url, {
    target: `#${HEADER}`,
    swap: "outerHTML",
    source: input,
    values: { tag_add: value },
  });
}

function installTags(): void {
  const body = document.body;
  body.addEventListener("input", (e) => {
    const input = e.target as HTMLInputElement;
    if (input.id !== "tag-input") return;
    window.clearTimeout(tagTimer);
    tagTimer = window.setTimeout(() => void suggest(), 150);
  });
  body.addEventListener("focusin", (e) => {
    const input = e.target as HTMLInputElement;
    if (input.id === "tag-input" && input.value) void suggest();
  });
  body.addEventListener("keydown", (e) => {
    const input = e.target as HTMLInputElement;
    if (input.id !== "tag-input") return;
    const open = byId("tag-options")?.hidden === false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) {
        void suggest();
        return;
      }
      setActive(e.key === "ArrowDown" ? tagActive + 1 : tagActive < 0 ? -1 : tagActive - 1);
    } else if (e.key === "Enter") {
      e.preventDefault();
      const chosen = open && tagActive >= 0 ? options()[tagActive]?.dataset.value : input.value;
      if (chosen) addTag(input, chosen);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      closeTags();
    }
  });
  body.addEventListener("mousedown", (e) => {
    const option = (e.target as Element | null)?.closest<HTMLElement>("#tag-options [role=option]");
    const input = tagInput();
    if (!option || !input) return;
    e.preventDefault(); // keep the focus in the field
    addTag(input, option.dataset.value ?? "");
  });
  body.addEventListener("focusout", (e) => {
    // Closed when the focus left the field, not when a refresh of the header replaced it.
    if ((e.target as HTMLElement).id !== "tag-input") return;
    window.setTimeout(() => document.activeElement !== tagInput() && closeTags(), 100);
  });
}

// ---- Menus and the merge dialog --------------------------------------------------------------

let dialogOpener: string | null = null;

function installMenus(): void {
  document.body.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const menu = (e.target as Element | null)?.closest<HTMLDetailsElement>("#ticket-header details[open]");
    if (!menu || byId("tag-options")?.hidden === false) return;
    e.preventDefault(); // taken: not also "back to the list" (keys.ts)
    menu.open = false;
    menu.querySelector<HTMLElement>("summary")?.focus();
  });
  document.body.addEventListener("click", (e) => {
    const close = (e.target as Element | null)?.closest("[data-close-dialog]");
    close?.closest("dialog")?.close();
  });
}

function openMergeDialog(): void {
  const dialog = byId<HTMLDialogElement>("merge-dialog");
  if (!dialog || dialog.open) return;
  // One dialog at a time: an older one (asked twice) goes.
  document.querySelectorAll("dialog.merge-dialog").forEach((d) => d !== dialog && d.remove());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (dialogOpener) byId(dialogOpener)?.focus();
  });
  // Closed once the merge is answered: the answer's HX-Location then shows the ticket merged into.
  dialog.addEventListener("htmx:beforeOnLoad", (e) => {
    if ((e as CustomEvent<HtmxRequestDetail>).detail.xhr.status < 400) {
      dialogOpener = null;
      dialog.close();
    }
  });
  dialog.showModal();
}

// ---- Wiring ----------------------------------------------------------------------------------

function install(): void {
  installSelects();
  installQueue();
  installTags();
  installMenus();

  document.body.addEventListener(ANNOUNCE, (e) => {
    const value = (e as CustomEvent<{ value?: string }>).detail?.value;
    if (value) announce(value);
  });

  document.body.addEventListener("htmx:beforeRequest", (e) => {
    const elt = (e as CustomEvent<HtmxRequestDetail>).detail.elt as HTMLElement;
    if (elt.id?.startsWith("merge-") && elt.getAttribute("hx-get")) dialogOpener = elt.id;
    if (!inHeader(elt) || elt.id === HEADER || elt.id === "relate-query") return;
    // A control set by a shortcut does not take the focus: the agent is not on it.
    if (elt.dataset.shortcut) {
      delete elt.dataset.shortcut;
      return;
    }
    const form = elt.closest<HTMLElement>("form");
    const fallback = elt.dataset.focusAfter ?? form?.dataset.focusAfter ?? null;
    if (elt.id || fallback) requested = { id: elt.tagName === "FORM" ? null : elt.id || null, fallback };
  });

  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const detail = (e as CustomEvent<HtmxBeforeSwapDetail>).detail;
    if (detail.target.id !== HEADER || !detail.shouldSwap) return;
    kept = keep(detail.requestConfig?.verb === "get");
    requested = null;
  });

  document.body.addEventListener("htmx:afterSettle", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (byId("merge-dialog")) openMergeDialog();
    if (detail.target?.id !== HEADER) return;
    if (kept) restore(kept);
    kept = null;
  });

  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (!(e as CustomEvent<HtmxRequestDetail>).detail.successful) requested = null;
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", install);
else install();
