/** Mentions in an internal note: "@" at the start of a word, then part of a name, lists the
 * agents who can see the ticket under the textarea (ARIA combobox and listbox: arrows move,
 * Enter or Tab inserts, Escape closes). The server lists and filters them; the note gets the
 * agent's token `@[Name](agent:12)`, which the timeline shows as a chip with the current name.
 * Only in note mode: an "@" in a reply (an address) opens nothing. Strings come from the
 * textarea's data- attributes, translated by Django. */

import { endCombobox } from "./dom";

interface Person {
  id: number;
  name: string;
  token: string;
}

const LIST_ID = "mention-list";
const DEBOUNCE_MS = 120;
// "@" where a word begins, then letters, digits, ".", "-" or "_" up to the caret.
const TRIGGER = /(?:^|[\s(])@([\p{L}\p{N}._-]{0,40})$/u;

interface State {
  start: number;
  query: string;
  people: Person[];
  active: number;
  asked: number;
}

let state: State | null = null;
let timer: number | undefined;
let asks = 0;

function noteArea(target: EventTarget | null): HTMLTextAreaElement | null {
  if (!(target instanceof HTMLTextAreaElement) || target.id !== "composer-text" || !target.dataset.mentionUrl) return null;
  const mode = target.form?.querySelector<HTMLInputElement>("input[name=mode]:checked")?.value;
  return mode === "note" ? target : null;
}

/** The "@" trigger the caret stands at the end of: where the "@" is and what follows it. */
export function findMention(text: string, caret: number): { start: number; query: string } | null {
  const offset = Math.max(0, caret - 50);
  const match = TRIGGER.exec(text.slice(offset, caret));
  if (!match) return null;
  const query = match[1] ?? "";
  return { start: caret - query.length - 1, query };
}

function listFor(area: HTMLTextAreaElement): HTMLUListElement {
  let ul = document.getElementById(LIST_ID) as HTMLUListElement | null;
  if (ul && ul.previousElementSibling !== area) {
    ul.remove();
    ul = null;
  }
  if (ul) return ul;
  ul = document.createElement("ul");
  ul.id = LIST_ID;
  ul.className = "mention-list";
  ul.setAttribute("role", "listbox");
  ul.setAttribute("aria-label", area.dataset.mentionLabel ?? "");
  ul.hidden = true;
  ul.addEventListener("mousedown", (e) => {
    e.preventDefault(); // keep the textarea's focus and caret
    const option = (e.target as Element).closest<HTMLElement>("[role=option]");
    if (option) insert(area, Number(option.dataset.index));
  });
  area.insertAdjacentElement("afterend", ul);
  return ul;
}

function close(area: HTMLTextAreaElement): void {
  const ul = document.getElementById(LIST_ID);
  if (ul) {
    ul.hidden = true;
    ul.replaceChildren();
  }
  state = null;
  window.clearTimeout(timer);
  endCombobox(area, LIST_ID);
}

function select(area: HTMLTextAreaElement, index: number): void {
  if (!state) return;
  state.active = index;
  listFor(area)
    .querySelectorAll<HTMLElement>("[role=option]")
    .forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      if (i === index) {
        area.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
}

function render(area: HTMLTextAreaElement, people: Person[]): void {
  if (!state) return;
  state.people = people;
  const ul = listFor(area);
  ul.replaceChildren(
    ...people.map((person, i) => {
      const option = document.createElement("li");
      option.id = `mention-option-${person.id}`;
      option.className = "mention-option";
      option.setAttribute("role", "option");
      option.dataset.index = String(i);
      option.textContent = person.name;
      return option;
    }),
  );
  if (!people.length) {
    const none = document.createElement("li");
    none.className = "mention-empty muted";
    none.setAttribute("role", "presentation");
    none.textContent = area.dataset.mentionEmpty ?? "";
    ul.append(none);
  }
  ul.hidden = false;
  area.setAttribute("role", "combobox");
  area.setAttribute("aria-autocomplete", "list");
  area.setAttribute("aria-controls", LIST_ID);
  area.setAttribute("aria-expanded", "true");
  select(area, people.length ? 0 : -1);
}

async function ask(area: HTMLTextAreaElement): Promise<void> {
  if (!state) return;
  const mine = ++asks;
  state.asked = mine;
  const url = new URL(area.dataset.mentionUrl ?? "", window.location.href);
  url.searchParams.set("q", state.query);
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const body = (await response.json()) as { results: Person[] };
    if (state && state.asked === mine) render(area, body.results);
  } catch {
    // Offline or signed out: no list, the agent types on.
  }
}

function insert(area: HTMLTextAreaElement, index: number): void {
  const person = state?.people[index];
  if (!state || !person) return;
  area.setRangeText(`${person.token} `, state.start, area.selectionStart, "end");
  close(area);
  area.focus();
  // The draft autosave sees the change like typing.
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

function onInput(e: Event): void {
  const area = noteArea(e.target);
  if (!area) return;
  const found = findMention(area.value, area.selectionStart);
  if (!found) {
    if (state) close(area);
    return;
  }
  state = { ...found, people: state?.people ?? [], active: state?.active ?? -1, asked: state?.asked ?? 0 };
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void ask(area), DEBOUNCE_MS);
}

function onKeydown(e: KeyboardEvent): void {
  const area = noteArea(e.target);
  if (!area || !state || listFor(area).hidden) return;
  const count = state.people.length;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    if (!count) return;
    e.preventDefault();
    select(area, (state.active + (e.key === "ArrowDown" ? 1 : -1) + count) % count);
  } else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
    if (state.active < 0) return;
    e.preventDefault();
    e.stopPropagation();
    insert(area, state.active);
  } else if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation();
    close(area);
  }
}

export function installMentions(): void {
  document.addEventListener("input", onInput);
  // Capture: the list's keys must win over the composer's own (Enter, Escape).
  document.addEventListener("keydown", onKeydown, true);
  document.addEventListener("focusout", (e) => {
    const area = e.target instanceof HTMLTextAreaElement && e.target.id === "composer-text" ? e.target : null;
    if (area) window.setTimeout(() => document.activeElement !== area && close(area), 150);
  });
  // Switching to a reply closes the list.
  document.addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement | null;
    const area = document.getElementById("composer-text");
    if (input?.name === "mode" && area instanceof HTMLTextAreaElement && state) close(area);
  });
}
