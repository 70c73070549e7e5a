/** Canned replies in the composer: "/" at the start of a line or "::" anywhere, then part of a
 * title or shortcut, opens a list of the agent's replies under the textarea (ARIA combobox and
 * listbox: arrows move, Enter or Tab inserts, Escape closes). The server renders each reply for
 * the open ticket; the text is inserted as plain text, and placeholders it could not fill are
 * named in a warning line under the textarea before anything is sent. Strings come from the
 * textarea's data- attributes, translated by Django. */

import { csrfToken, endCombobox } from "./dom";

interface Reply {
  id: number;
  title: string;
  shortcut: string;
  scope: string;
  language: string;
  text: string;
  unknown: string[];
  empty: string[];
}

interface Trigger {
  start: number;
  query: string;
}

const LIST_ID = "canned-list";
const WARNING_ID = "canned-warning";
const DEBOUNCE_MS = 150;
// "/" where a line begins, or "::" anywhere, then letters, digits, "-" or "_" up to the caret.
const TRIGGER = /(?:^|\n)(\/)([\p{L}\p{N}_-]*)$|(::)([\p{L}\p{N}_-]+)$/u;

let results: Reply[] = [];
let active = -1;
let trigger: Trigger | null = null;
let timer: number | undefined;
let asked = 0;

function composerText(target: EventTarget | null): HTMLTextAreaElement | null {
  return target instanceof HTMLTextAreaElement && target.id === "composer-text" && target.dataset.cannedUrl
    ? target
    : null;
}

/** The trigger the caret stands at the end of, or null. */
export function findTrigger(text: string, caret: number): Trigger | null {
  const before = text.slice(Math.max(0, caret - 80), caret);
  const offset = Math.max(0, caret - 80);
  const match = TRIGGER.exec(before);
  if (!match) return null;
  const sign = match[1] ?? match[3];
  const query = match[2] ?? match[4] ?? "";
  return { start: offset + match.index + match[0].length - sign.length - query.length, query };
}

function list(area: HTMLTextAreaElement): HTMLUListElement {
  let ul = document.getElementById(LIST_ID) as HTMLUListElement | null;
  if (ul && ul.previousElementSibling !== area) {
    ul.remove();
    ul = null;
  }
  if (!ul) {
    ul = document.createElement("ul");
    ul.id = LIST_ID;
    ul.className = "canned-list";
    ul.setAttribute("role", "listbox");
    ul.setAttribute("aria-label", area.dataset.cannedLabel ?? "");
    ul.hidden = true;
    Object.assign(ul.style, {
      listStyle: "none",
      margin: "4px 0 0",
      padding: "4px",
      maxHeight: "14rem",
      overflowY: "auto",
      border: "1px solid var(--line, #ccc)",
      borderRadius: "6px",
      background: "var(--panel, #fff)",
    });
    ul.addEventListener("mousedown", (e) => {
      // Keep the textarea's focus and caret; choose the option pressed.
      e.preventDefault();
      const option = (e.target as Element).closest<HTMLElement>("[role=option]");
      if (option) choose(area, Number(option.dataset.index));
    });
    area.insertAdjacentElement("afterend", ul);
  }
  return ul;
}

function warning(area: HTMLTextAreaElement): HTMLElement {
  let line = document.getElementById(WARNING_ID);
  if (!line) {
    line = document.createElement("p");
    line.id = WARNING_ID;
    line.className = "notice notice-warning canned-warning";
    line.setAttribute("role", "status");
    line.hidden = true;
    const ul = document.getElementById(LIST_ID);
    (ul ?? area).insertAdjacentElement("afterend", line);
  }
  return line;
}

function close(area: HTMLTextAreaElement): void {
  const ul = document.getElementById(LIST_ID);
  if (ul) {
    ul.hidden = true;
    ul.replaceChildren();
  }
  results = [];
  active = -1;
  trigger = null;
  window.clearTimeout(timer);
  endCombobox(area, LIST_ID);
}

function highlight(area: HTMLTextAreaElement, index: number): void {
  const ul = list(area);
  active = index;
  ul.querySelectorAll<HTMLElement>("[role=option]").forEach((option, i) => {
    const on = i === index;
    option.setAttribute("aria-selected", String(on));
    option.style.background = on ? "var(--accent-bg, #e8f0fe)" : "";
    if (on) {
      area.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  });
}

function show(area: HTMLTextAreaElement, found: Reply[]): void {
  const ul = list(area);
  results = found;
  ul.replaceChildren();
  if (found.length === 0) {
    const none = document.createElement("li");
    none.className = "canned-empty muted";
    none.setAttribute("role", "presentation");
    none.textContent = area.dataset.cannedEmpty ?? "";
    const manage = area.dataset.cannedManageUrl;
    if (manage) {
      const link = document.createElement("a");
      link.href = manage;
      link.textContent = ` ${area.dataset.cannedManage ?? ""}`;
      none.append(link);
    }
    ul.append(none);
  }
  found.forEach((reply, i) => {
    const option = document.createElement("li");
    option.id = `canned-option-${reply.id}`;
    option.setAttribute("role", "option");
    option.dataset.index = String(i);
    option.style.padding = "4px 8px";
    option.style.cursor = "pointer";
    const title = document.createElement("strong");
    title.textContent = reply.title;
    option.append(title);
    if (reply.shortcut) {
      const code = document.createElement("code");
      code.textContent = ` ::${reply.shortcut}`;
      option.append(code);
    }
    const preview = document.createElement("span");
    preview.className = "muted";
    preview.textContent = ` · ${reply.language.toUpperCase()} · ${reply.text.replace(/\s+/g, " ").slice(0, 80)}`;
    option.append(preview);
    ul.append(option);
  });
  ul.hidden = false;
  area.setAttribute("role", "combobox");
  area.setAttribute("aria-autocomplete", "list");
  area.setAttribute("aria-controls", LIST_ID);
  area.setAttribute("aria-expanded", "true");
  highlight(area, found.length ? 0 : -1);
}

async function fetchReplies(area: HTMLTextAreaElement, query: string): Promise<void> {
  const ask = ++asked;
  const url = new URL(area.dataset.cannedUrl ?? "", window.location.href);
  url.searchParams.set("q", query);
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok || ask !== asked || trigger === null) return;
    const body = (await response.json()) as { results: Reply[] };
    if (ask === asked && trigger !== null) show(area, body.results);
  } catch {
    // Offline or the session ended: no list, the agent types on.
  }
}

function choose(area: HTMLTextAreaElement, index: number): void {
  const reply = results[index];
  const at = trigger;
  if (!reply || !at) return;
  const caret = area.selectionStart;
  area.setRangeText(reply.text, at.start, caret, "end");
  close(area);
  area.focus();
  // The draft autosave and the composer's own listeners see the change like typing.
  area.dispatchEvent(new Event("input", { bubbles: true }));
  const missing = [...reply.unknown, ...reply.empty];
  const line = warning(area);
  if (missing.length) {
    line.textContent = (area.dataset.cannedMissing ?? "{names}").replace(
      "{names}",
      missing.map((name) => `{{${name}}}`).join(", "),
    );
    line.hidden = false;
  } else {
    line.hidden = true;
    line.textContent = "";
  }
  const used = new URL(`${reply.id}/used/`, new URL(area.dataset.cannedUrl ?? "", window.location.href));
  void fetch(used, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken() },
  }).catch(() => undefined);
}

function onInput(e: Event): void {
  const area = composerText(e.target);
  if (!area) return;
  const found = findTrigger(area.value, area.selectionStart);
  if (!found) {
    if (trigger) close(area);
    return;
  }
  trigger = found;
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void fetchReplies(area, found.query), DEBOUNCE_MS);
}

function onKeydown(e: KeyboardEvent): void {
  const area = composerText(e.target);
  if (!area || trigger === null || list(area).hidden) return;
  const count = results.length;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    if (!count) return;
    e.preventDefault();
    const step = e.key === "ArrowDown" ? 1 : -1;
    highlight(area, (active + step + count) % count);
  } else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
    if (active < 0) return;
    e.preventDefault();
    e.stopPropagation();
    choose(area, active);
  } else if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    close(area);
  }
}

export function installCanned(): void {
  document.addEventListener("input", onInput);
  // Capture: the list's keys must win over the composer's own (Enter, Escape).
  document.addEventListener("keydown", onKeydown, true);
  document.addEventListener("focusout", (e) => {
    const area = composerText(e.target);
    if (area) window.setTimeout(() => document.activeElement !== area && close(area), 150);
  });
  document.body.addEventListener("hub:sent", () => {
    const line = document.getElementById(WARNING_ID);
    if (line) line.hidden = true;
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", installCanned);
else installCanned();
