/** Single-key shortcuts of the workspace (UX.md, section 7): `j`/`k` move through the list,
 * `Enter`/`o` open, `Esc` back to the list, `x` select (the bulk bar), `r` reply, `n` note,
 * `a` assign to me, `s` status, `e` solve, `z` snooze, `#` tags, `g` then `i` the inbox, `?` the
 * list of shortcuts (frontend/templates/frontend/keys_help.html). `/` (search) is search.ts's,
 * Ctrl/⌘+K (the command menu) commands.ts's, which runs the same actions (``act``). Never while
 * typing in a field, never with Ctrl, Alt or Meta, matched by the character (`event.key`), and
 * the agent can switch them off in the help dialog (WCAG 2.1.4). */

import { byId, myAgentId, openTicketId, replyHeld } from "./dom";
import { toggleRow } from "./bulk";
import { commitControl } from "./header";

const OFF_KEY = "hub:shortcuts-off";
// Where Escape belongs to what is open, not to the page.
const WIDGETS = "details, dialog, [role=menu], [role=listbox], #forward-panel, #notification-panel, .macro-menu";
const G_WINDOW_MS = 1_500;

let gAt = 0;
// Switched off for this page when the browser keeps no storage (private mode).
let offHere = false;

// Fields that take text; a checkbox, radio button or button takes none, so keys stay shortcuts there.
const TEXT_FIELDS =
  "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), textarea, select, " +
  "[contenteditable]:not([contenteditable='false'])";

function typing(target: EventTarget | null): boolean {
  const node = target as HTMLElement | null;
  return Boolean(node?.closest?.(TEXT_FIELDS));
}

export function shortcutsOn(): boolean {
  if (offHere) return false;
  try {
    return window.localStorage.getItem(OFF_KEY) !== "1";
  } catch {
    return true;
  }
}

function rows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>("#list .row"));
}

/** The row the keys act on: the one with the focus in it, else the marked one, else the open one. */
function currentRow(): HTMLElement | null {
  const active = document.activeElement?.closest<HTMLElement>("#list .row");
  return active ?? document.querySelector<HTMLElement>("#list .row.is-cursor") ?? document.querySelector("#list .row.is-open");
}

function move(step: number): void {
  const all = rows();
  if (!all.length) return;
  const current = currentRow();
  const at = current ? all.indexOf(current) : -1;
  const next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? (step > 0 ? 0 : all.length - 1) : at + step))];
  all.forEach((row) => row.classList.toggle("is-cursor", row === next));
  const link = next.querySelector<HTMLElement>(".row-link");
  link?.focus();
  link?.scrollIntoView({ block: "nearest" });
}

function openRow(): boolean {
  const row = currentRow();
  const link = row?.querySelector<HTMLElement>(".row-link");
  if (!link) return false;
  link.click();
  return true;
}

function composerMode(mode: "reply" | "note"): boolean {
  const radio = document.querySelector<HTMLInputElement>(`#composer input[name=mode][value=${mode}]`);
  const text = byId<HTMLTextAreaElement>("composer-text");
  if (!text) return false;
  if (radio && !radio.disabled && !radio.checked) radio.click();
  text.focus();
  return true;
}

function setControl(id: string, value: string): boolean {
  const select = byId<HTMLSelectElement>(id);
  if (!select || !Array.from(select.options).some((o) => o.value === value)) return false;
  if (select.value !== value) {
    select.value = value;
    commitControl(select, true);
  }
  return true;
}

function helpDialog(): HTMLDialogElement | null {
  return byId<HTMLDialogElement>("keys-help");
}

function showHelp(): boolean {
  const dialog = helpDialog();
  if (!dialog) return false;
  const toggle = byId<HTMLInputElement>("keys-on");
  if (toggle) toggle.checked = shortcutsOn();
  if (!dialog.open) dialog.showModal();
  return true;
}

function openControl(id: string): boolean {
  const select = byId<HTMLSelectElement>(id);
  if (!select || select.disabled) return false;
  select.focus();
  try {
    select.showPicker();
  } catch {
    // Not allowed or not supported here: the focused select takes the arrow keys.
  }
  return true;
}

/** Back from the open ticket to its list, with the keyboard on the ticket's row. A link made
 * for the moment, so htmx pushes the list's address as it does for any link (Back returns). */
function backToList(): boolean {
  const open = openTicketId();
  // A list still loading itself asks the ticket's own address for it: back goes to the view's.
  const list = byId("list");
  const url = list?.dataset.backUrl || list?.getAttribute("hx-get");
  if (open === null || !url || document.querySelector("details[open], dialog[open]")) return false;
  // Escape inside a menu, panel or dialog closes that, never the ticket.
  if (document.activeElement?.closest(WIDGETS)) return false;
  const link = document.createElement("a");
  link.href = url;
  link.hidden = true;
  for (const [name, value] of [["hx-get", url], ["hx-target", "#workspace"], ["hx-swap", "outerHTML"], ["hx-push-url", "true"]]) {
    link.setAttribute(name, value);
  }
  const settled = (e: Event): void => {
    if ((e as CustomEvent<HtmxRequestDetail>).detail.requestConfig?.elt !== link) return;
    document.body.removeEventListener("htmx:afterSettle", settled);
    link.remove();
    const row = byId(`row-${open}`);
    row?.closest(".row")?.classList.add("is-cursor");
    row?.focus();
  };
  document.body.addEventListener("htmx:afterSettle", settled);
  document.body.append(link);
  htmx.process(link);
  link.click();
  return true;
}

function goInbox(): boolean {
  const link = document.querySelector<HTMLElement>("#nav a[data-view='mine']") ?? document.querySelector<HTMLElement>("#nav a[href$='/agent/v/mine/']");
  if (link) link.click();
  else window.location.assign(helpDialog()?.dataset.inboxUrl ?? "/agent/v/mine/");
  return true;
}

function handle(key: string): boolean {
  if (key === "?") return showHelp();
  if (!shortcutsOn()) return false;
  const now = Date.now();
  if (gAt && now - gAt < G_WINDOW_MS && key === "i") {
    gAt = 0;
    return goInbox();
  }
  gAt = key === "g" ? now : 0;
  if (key === "g") return true;
  if (key === "/" || key === "gi") return false; // search.ts's; "gi" is the menu's name for g, i
  // On a link or button Enter is the browser's; from the page it opens the marked row.
  if (key === "Enter" && !(document.activeElement === document.body && document.querySelector("#list .row.is-cursor"))) {
    return false;
  }
  return act(key);
}

/** What a key does, whether pressed or chosen in the command menu; false: nothing to do here. */
export function act(key: string): boolean {
  // An email reply waits out its undo window: nothing changes the ticket or leaves it meanwhile.
  if (replyHeld()) return false;
  switch (key) {
    case "?":
      return showHelp();
    case "j":
      move(1);
      return true;
    case "k":
      move(-1);
      return true;
    case "o":
    case "Enter":
      return openRow();
    case "Escape":
      return backToList();
    case "x": {
      const row = currentRow();
      if (!row) return false;
      toggleRow(Number(row.dataset.ticketId));
      row.querySelector<HTMLElement>(".row-link")?.focus();
      return true;
    }
    case "r":
      return composerMode("reply");
    case "n":
      return composerMode("note");
    case "a": {
      const me = myAgentId();
      return me !== null && setControl("ctl-assignee", String(me));
    }
    case "s":
      return openControl("ctl-status");
    case "e":
      return setControl("ctl-status", "solved");
    case "z": {
      const menu = byId<HTMLDetailsElement>("snooze-menu");
      if (!menu) return false;
      menu.open = true;
      menu.querySelector<HTMLElement>(".menu-item")?.focus();
      return true;
    }
    case "#": {
      const input = byId<HTMLInputElement>("tag-input");
      if (!input) return false;
      input.focus();
      return true;
    }
    case "/": {
      const search = byId<HTMLInputElement>("search-q");
      search?.focus();
      return Boolean(search);
    }
    case "gi":
      return goInbox();
    default:
      return false;
  }
}

export function installKeys(): void {
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || typing(e.target)) return;
    if (helpDialog()?.open) return;
    if (handle(e.key)) e.preventDefault();
  });
  document.addEventListener("change", (e) => {
    const toggle = e.target as HTMLInputElement | null;
    if (toggle?.id !== "keys-on") return;
    offHere = !toggle.checked;
    try {
      if (toggle.checked) window.localStorage.removeItem(OFF_KEY);
      else window.localStorage.setItem(OFF_KEY, "1");
    } catch {
      // No storage: the switch holds for this page only (offHere).
    }
  });
}
