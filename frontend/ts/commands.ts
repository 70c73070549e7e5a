/** The command menu (UX.md, section 7): Ctrl+K or ⌘K opens a list of what the agent can do here,
 * found by typing: the actions of the single keys that apply now (reply, note, assign to me,
 * status, solve, snooze, tags, back to the list …), each macro the agent may use on the open
 * ticket ("Makro: Rückerstattung"), every view of the navigation, a new conversation, the
 * settings and the list of shortcuts. It works in text fields too, and with
 * the single keys switched off: it is their way in for agents who keep them off.
 *
 * Names come from the page (frontend/templates/frontend/command_menu.html and keys_help.html,
 * translated by Django); the actions are keys.ts's own (``act``). ARIA combobox and listbox:
 * arrows move, Enter runs, Escape closes (the dialog's own). */

import { byId, openTicketId } from "./dom";
import { act } from "./keys";
import { applyMacro, matches, ticketMacros } from "./macros";

interface Command {
  label: string;
  hint: string; // the key, or the kind ("Ansicht")
  run: () => boolean;
}

const DIALOG_ID = "command-menu";

let commands: Command[] = [];
let shown: Command[] = [];
let active = 0;
// Which opening of the menu the macros asked for belong to: an answer for an earlier one is dropped.
let opening = 0;

function dialog(): HTMLDialogElement | null {
  return byId<HTMLDialogElement>(DIALOG_ID);
}

/** Clicks what ``selector`` finds when the command runs: a live refresh may have redrawn the
 * navigation or the header since the menu opened, and htmx ignores a click on a removed element. */
function clicker(selector: string): () => boolean {
  return () => {
    const target = document.querySelector<HTMLElement>(selector);
    target?.click();
    return Boolean(target);
  };
}

/** What applies now: a key's action only where its control is on the page. */
function available(): Command[] {
  const found: Command[] = [];
  const has = (id: string): boolean => Boolean(byId(id));
  const ticketOpen = has("ticket-header");
  const applies: Record<string, boolean> = {
    Escape: ticketOpen,
    r: has("composer-text"),
    n: has("composer-text"),
    a: has("ctl-assignee"),
    s: has("ctl-status"),
    e: has("ctl-status"),
    z: has("snooze-menu"),
    "#": has("tag-input"),
    "/": has("search-q"),
    gi: true,
  };
  document.querySelectorAll<HTMLElement>("#keys-help dd[data-command]").forEach((dd) => {
    const key = dd.dataset.command ?? "";
    if (!applies[key]) return;
    const shownKey = key === "gi" ? "g i" : key === "Escape" ? "Esc" : key;
    found.push({ label: dd.textContent?.trim() ?? key, hint: shownKey, run: () => act(key) });
  });
  const macros = document.querySelector<HTMLButtonElement>("#ticket-header .macro-button");
  if (macros) found.push({ label: macros.textContent?.trim() ?? "", hint: "", run: clicker("#ticket-header .macro-button") });
  const viewWord = dialog()?.dataset.views ?? "";
  document.querySelectorAll<HTMLElement>("#nav a.nav-link").forEach((link) => {
    const label = link.querySelector(".nav-text")?.textContent?.trim();
    const href = link.getAttribute("href") ?? "";
    if (label && href) {
      found.push({ label, hint: link.dataset.view ? viewWord : "", run: clicker(`#nav a.nav-link[href="${CSS.escape(href)}"]`) });
    }
  });
  const help = dialog()?.dataset.shortcuts;
  if (help) found.push({ label: help, hint: "?", run: () => act("?") });
  return found;
}

function options(): HTMLUListElement | null {
  return byId<HTMLUListElement>("command-options");
}

function draw(query: string): void {
  const list = options();
  const input = byId<HTMLInputElement>("command-filter");
  if (!list || !input) return;
  shown = commands.filter((c) => matches(c.label, query));
  // Nothing matched a moment ago (the macros had yet to come): the first match is active again.
  active = shown.length ? Math.max(0, Math.min(active, shown.length - 1)) : -1;
  list.replaceChildren(
    ...shown.map((command, i) => {
      const li = document.createElement("li");
      li.id = `command-${i}`;
      li.className = "command-option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === active));
      const label = document.createElement("span");
      label.textContent = command.label;
      li.append(label);
      if (command.hint) {
        const hint = document.createElement("kbd");
        hint.textContent = command.hint;
        li.append(hint);
      }
      li.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus in the field
      li.addEventListener("click", () => run(i));
      return li;
    }),
  );
  if (active >= 0) input.setAttribute("aria-activedescendant", `command-${active}`);
  else input.removeAttribute("aria-activedescendant");
  byId(`command-${active}`)?.scrollIntoView({ block: "nearest" });
  const empty = dialog()?.querySelector<HTMLElement>(".command-empty");
  if (empty) empty.hidden = shown.length > 0;
}

function run(index: number): void {
  const command = shown[index];
  const box = dialog();
  if (!command || !box) return;
  box.close();
  // After the dialog has given the focus back: the action may move it (a field, a row).
  window.setTimeout(() => command.run());
}

function open(): void {
  const box = dialog();
  const input = byId<HTMLInputElement>("command-filter");
  if (!box || !input || box.open) return;
  byId<HTMLDialogElement>("keys-help")?.close();
  commands = available();
  active = 0;
  input.value = "";
  draw("");
  box.showModal();
  input.focus();
  const mine = ++opening;
  const ticket = openTicketId();
  void ticketMacros().then((found) => {
    if (mine !== opening || !box.open || !found.length) return;
    const word = box.dataset.macro ?? "";
    commands = [
      ...commands,
      ...found.map((macro) => ({ label: `${word}: ${macro.title}`, hint: "", run: () => applyMacro(macro, ticket) })),
    ];
    draw(input.value);
  });
}

export function installCommands(): void {
  document.addEventListener("keydown", (e) => {
    // Ctrl or ⌘ with K, matched by the character (UX.md: never Alt, AltGr is Ctrl+Alt).
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey || e.key.toLowerCase() !== "k") return;
    if (!dialog()) return;
    e.preventDefault();
    if (dialog()?.open) dialog()?.close();
    else open();
  });
  document.addEventListener("input", (e) => {
    if ((e.target as HTMLElement | null)?.id !== "command-filter") return;
    active = 0;
    draw((e.target as HTMLInputElement).value);
  });
  document.addEventListener("keydown", (e) => {
    if ((e.target as HTMLElement | null)?.id !== "command-filter" || !shown.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      draw((e.target as HTMLInputElement).value);
    } else if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      run(active);
    }
  });
}
