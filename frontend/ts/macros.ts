/** Macros from the ticket header: the "Macros" button opens a list of the macros the agent may
 * use, filtered by typing (ARIA combobox and listbox: arrows move, Enter applies, Escape closes).
 * Applying one asks the API (``POST /api/v1/tickets/{id}/macros/{macro}/apply/``); the server
 * changes the ticket through its actions and answers with the rendered canned reply, which goes
 * into the composer for the agent to check and send. The list lives outside the header, so a
 * live refresh of the header never closes it under the agent's fingers. Strings come from the
 * button's data- attributes, translated by Django. */

import { announce, byId, csrfToken, openTicketId, refresh, replyHeld } from "./dom";
import { appendToRich } from "./richtext";

export interface Macro {
  id: number;
  title: string;
  summary: string[];
}

interface Applied {
  ticket_id: number;
  draft: string;
  unknown: string[];
  empty: string[];
  sent_message_id: number | null;
  not_sent: string;
  left_out: string[];
}

const MENU_ID = "macro-menu";
const INPUT_ID = "macro-filter";
const LIST_ID = "macro-options";

let macros: Macro[] = [];
let shown: Macro[] = [];
let active = -1;
let button: HTMLButtonElement | null = null;
let opened = 0;

const text = (key: string, fallback = ""): string => button?.dataset[key] ?? fallback;

/** Lower case without accents, umlauts written out too: "rück" finds "Rückgabe" and "rueck". */
function folded(value: string): string[] {
  const lower = value.toLocaleLowerCase();
  const plain = (s: string): string => s.normalize("NFKD").replace(/\p{M}/gu, "");
  const spelled = lower.replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss");
  return [plain(spelled), plain(lower)];
}

export function matches(title: string, query: string): boolean {
  const q = query.trim();
  if (!q) return true;
  const titles = folded(title);
  return folded(q).some((part) => titles.some((t) => t.includes(part)));
}

function menu(): HTMLElement {
  let box = byId(MENU_ID);
  if (box) return box;
  box = document.createElement("div");
  box.id = MENU_ID;
  box.className = "macro-menu";
  box.hidden = true;
  // Styled here, as the composer's canned list is: the island brings what it draws.
  Object.assign(box.style, {
    position: "absolute",
    zIndex: "50",
    width: "320px",
    padding: "6px",
    border: "1px solid var(--line, #ccc)",
    borderRadius: "6px",
    background: "var(--panel, #fff)",
    boxShadow: "0 4px 16px rgb(0 0 0 / 15%)",
  });
  const input = document.createElement("input");
  input.id = INPUT_ID;
  input.type = "search";
  input.autocomplete = "off";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", LIST_ID);
  input.setAttribute("aria-expanded", "true");
  input.style.width = "100%";
  const list = document.createElement("ul");
  list.id = LIST_ID;
  list.setAttribute("role", "listbox");
  Object.assign(list.style, {
    listStyle: "none",
    margin: "6px 0 0",
    padding: "0",
    maxHeight: "16rem",
    overflowY: "auto",
  });
  list.addEventListener("mousedown", (e) => {
    e.preventDefault();
    const option = (e.target as Element).closest<HTMLElement>("[role=option]");
    if (option) void apply(shown[Number(option.dataset.index)]);
  });
  input.addEventListener("input", () => show(input.value));
  input.addEventListener("keydown", onKeydown);
  input.addEventListener("blur", () => window.setTimeout(close, 150));
  box.append(input, list);
  document.body.append(box);
  return box;
}

function highlight(index: number): void {
  active = index;
  const input = byId<HTMLInputElement>(INPUT_ID);
  byId(LIST_ID)
    ?.querySelectorAll<HTMLElement>("[role=option]")
    .forEach((option, i) => {
      const on = i === index;
      option.setAttribute("aria-selected", String(on));
      option.classList.toggle("is-active", on);
      option.style.background = on ? "var(--accent-bg, #e8f0fe)" : "";
      if (on) {
        input?.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  if (index < 0) input?.removeAttribute("aria-activedescendant");
}

function show(query: string): void {
  const list = byId(LIST_ID);
  if (!list) return;
  shown = macros.filter((m) => matches(m.title, query));
  list.replaceChildren();
  if (shown.length === 0) {
    const none = document.createElement("li");
    none.className = "muted";
    none.setAttribute("role", "presentation");
    none.textContent = text("empty");
    const manage = text("manageUrl");
    if (manage) {
      const link = document.createElement("a");
      link.href = manage;
      link.textContent = ` ${text("manage")}`;
      none.append(link);
    }
    list.append(none);
  }
  shown.forEach((macro, i) => {
    const option = document.createElement("li");
    option.id = `macro-option-${macro.id}`;
    option.setAttribute("role", "option");
    option.dataset.index = String(i);
    Object.assign(option.style, { padding: "4px 8px", cursor: "pointer", borderRadius: "4px" });
    const title = document.createElement("strong");
    title.textContent = macro.title;
    const summary = document.createElement("span");
    summary.className = "muted";
    summary.textContent = macro.summary.join(" · ");
    option.append(title, document.createElement("br"), summary);
    list.append(option);
  });
  highlight(shown.length ? 0 : -1);
}

function close(): void {
  const box = byId(MENU_ID);
  if (!box || box.hidden) return;
  box.hidden = true;
  const current = document.querySelector<HTMLButtonElement>(".macro-button");
  current?.setAttribute("aria-expanded", "false");
}

async function open(from: HTMLButtonElement): Promise<void> {
  if (replyHeld()) return; // the reply waiting out its undo window goes as it was sent
  button = from;
  const box = menu();
  const input = byId<HTMLInputElement>(INPUT_ID);
  if (!input) return;
  input.value = "";
  input.setAttribute("aria-label", text("filterLabel"));
  input.placeholder = text("filterLabel");
  byId(LIST_ID)?.setAttribute("aria-label", text("listLabel"));
  const rect = from.getBoundingClientRect();
  Object.assign(box.style, {
    top: `${window.scrollY + rect.bottom + 4}px`,
    left: `${Math.max(8, window.scrollX + rect.right - 320)}px`,
  });
  box.hidden = false;
  from.setAttribute("aria-expanded", "true");
  input.focus();
  // A later opening (another ticket's header) wins over this one's late answer.
  const mine = ++opened;
  const found = await usable(from);
  if (mine !== opened) return;
  macros = found;
  show(input.value);
}

/** The macros the agent may use on the open ticket, from the header's button; none when offline
 * or the session ended (the agent works on by hand). */
async function usable(from: HTMLButtonElement): Promise<Macro[]> {
  try {
    const response = await fetch(from.dataset.listUrl ?? "", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    return response.ok ? ((await response.json()) as Macro[]) : [];
  } catch {
    return [];
  }
}

const headerButton = (): HTMLButtonElement | null =>
  document.querySelector<HTMLButtonElement>("#ticket-header .macro-button");

/** For the command menu, which lists each macro by name: the macros of the open ticket, and
 * applying one as the macro list does, to the ticket they were listed for only (another may
 * have opened while the menu was up). */
export async function ticketMacros(): Promise<Macro[]> {
  const from = headerButton();
  return from ? usable(from) : [];
}

export function applyMacro(macro: Macro, ticketId: number | null): boolean {
  const from = headerButton();
  if (!from || replyHeld() || ticketId === null || openTicketId() !== ticketId) return false;
  button = from;
  void apply(macro);
  return true;
}

function onKeydown(e: KeyboardEvent): void {
  const count = shown.length;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    if (!count) return;
    e.preventDefault();
    highlight((active + (e.key === "ArrowDown" ? 1 : -1) + count) % count);
  } else if (e.key === "Enter") {
    e.preventDefault();
    if (active >= 0) void apply(shown[active]);
  } else if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    close();
    document.querySelector<HTMLButtonElement>(".macro-button")?.focus();
  }
}

/** The rendered reply after what the agent had written, in reply mode, saved as the draft. */
function intoComposer(draft: string, warnings: string[]): void {
  const area = byId<HTMLTextAreaElement>("composer-text");
  if (!area) return;
  const reply = document.querySelector<HTMLInputElement>("#composer-form input[name=mode][value=reply]");
  if (reply && !reply.checked && !reply.disabled) reply.click();
  // As if typed: the composer notes what the timeline showed when a text begins.
  area.dispatchEvent(new InputEvent("beforeinput", { bubbles: true }));
  // The formatted text takes it as well, or the next save of its HTML would leave it out.
  if (!appendToRich(area.value.trim() ? `\n${draft}` : draft)) {
    const before = area.value.trimEnd();
    area.value = before ? `${before}\n\n${draft}` : draft;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  const notice = byId("composer-notice");
  if (notice && warnings.length) {
    notice.replaceChildren(
      ...warnings.map((warning) => {
        const line = document.createElement("p");
        line.className = "notice notice-warning";
        line.setAttribute("role", "status");
        line.textContent = warning;
        return line;
      }),
    );
  }
}

async function apply(macro: Macro | undefined): Promise<void> {
  const from = button;
  if (!macro || !from) return;
  close();
  const url = (from.dataset.applyUrl ?? "").replace(/\/0\/apply\/$/, `/${macro.id}/apply/`);
  let applied: Applied | null = null;
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
    if (response.ok) applied = (await response.json()) as Applied;
  } catch {
    applied = null;
  }
  if (!applied) {
    announce(text("failed"));
    return;
  }
  const warnings: string[] = [];
  const missing = [...applied.unknown, ...applied.empty];
  if (applied.not_sent) warnings.push(text("notSent", "{reason}").replace("{reason}", applied.not_sent));
  // Worded by the server in the agent's language: what the macro could not do here.
  warnings.push(...(applied.left_out ?? []));
  if (missing.length) {
    warnings.push(text("missing", "{names}").replace("{names}", missing.map((n) => `{{${n}}}`).join(", ")));
  }
  if (applied.draft) intoComposer(applied.draft, warnings);
  refresh("ticket-header");
  refresh("timeline");
  announce([text("applied", "{title}").replace("{title}", macro.title), ...warnings].join(" "));
}

export function installMacros(): void {
  document.addEventListener("click", (e) => {
    const from = (e.target as Element | null)?.closest<HTMLButtonElement>(".macro-button");
    if (!from) return;
    e.preventDefault();
    if (byId(MENU_ID)?.hidden === false) close();
    else void open(from);
  });
  // Another ticket opened: the list belonged to the one before.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const target = (e as CustomEvent<HtmxBeforeSwapDetail>).detail.target;
    if (target.id === "ticket" || target.id === "workspace") close();
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", installMacros);
else installMacros();
