/** The inbox's bulk bar (frontend/templates/frontend/regions/bulk_bar.html): a checkbox per row,
 * Shift+click selects the range since the last one clicked, "select all on this page" and then
 * "select all matching" (resolved by the server from the list's view and filters). One change is
 * sent for the selection (``POST /agent/bulk/``); its answer is said in the live region and an
 * Undo toast stays for a few seconds. The selection lives here, not in the list: a live refresh
 * replaces the list's HTML and the selection is put back on the new rows. Strings come from the
 * bar's data- attributes, translated by Django. */

import { announce, byId, csrfToken, refresh } from "./dom";

const UNDO_MS = 8_000;

const selected = new Set<number>();
let allMatching = false;
let listKey = "";
let lastClicked: number | null = null;
let kept: [string, string][] = [];

const bar = (): HTMLElement | null => byId("bulk");
const text = (key: string): string => bar()?.dataset[key] ?? "";

function boxes(): HTMLInputElement[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>("#list .row-select"));
}

function form(): HTMLFormElement | null {
  return byId<HTMLFormElement>("bulk-form");
}

/** Show the fields of the chosen action only. */
function showFields(): void {
  const f = form();
  if (!f) return;
  const action = (f.elements.namedItem("action") as HTMLSelectElement | null)?.value ?? "";
  f.querySelectorAll<HTMLElement>("[data-for]").forEach((field) => (field.hidden = field.dataset.for !== action));
  if (action === "macro") void loadMacros();
  if (action === "merge") fillTargets();
}

let macrosLoaded = false;
async function loadMacros(): Promise<void> {
  const select = form()?.querySelector<HTMLSelectElement>("select[name=macro]");
  if (!select || (macrosLoaded && select.options.length)) return;
  const response = await fetch(bar()?.dataset.macrosUrl ?? "", { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const data = (await response.json()) as { results?: { id: number; title: string }[] } | { id: number; title: string }[];
  const list = Array.isArray(data) ? data : (data.results ?? []);
  select.replaceChildren(...list.map((m) => new Option(m.title, String(m.id))));
  macrosLoaded = true;
}

function fillTargets(): void {
  const select = form()?.querySelector<HTMLSelectElement>("select[name=target]");
  if (!select) return;
  const ids = [...selected].sort((a, b) => a - b);
  const chosen = select.value;
  select.replaceChildren(...ids.map((id) => new Option(`#${id}`, String(id))));
  if (chosen && ids.includes(Number(chosen))) select.value = chosen;
}

/** Draw the selection on the rows and the bar. */
function sync(): void {
  const b = bar();
  if (!b) return;
  const rows = boxes();
  rows.forEach((box) => {
    box.checked = allMatching || selected.has(Number(box.value));
    box.closest(".row")?.classList.toggle("is-selected", box.checked);
  });
  const page = byId<HTMLInputElement>("bulk-page");
  const onPage = rows.filter((box) => box.checked).length;
  if (page) {
    page.checked = rows.length > 0 && onPage === rows.length;
    page.indeterminate = onPage > 0 && onPage < rows.length;
  }
  const count = byId("bulk-count");
  const any = allMatching || selected.size > 0;
  if (count && !allMatching) count.textContent = any ? text("selected").replace("{n}", String(selected.size)) : "";
  const f = placeForm(any);
  const matching = byId("bulk-matching");
  if (matching) matching.hidden = allMatching || !b.dataset.more || !page?.checked;
  if (f) showFields();
}

/** The bar's form is in the page only while something is selected (from its template). */
function placeForm(wanted: boolean): HTMLFormElement | null {
  const f = form();
  if (!wanted) {
    f?.remove();
    return null;
  }
  if (f) return f;
  const template = byId<HTMLTemplateElement>("bulk-form-template");
  if (!template) return null;
  template.after(template.content.cloneNode(true));
  return form();
}

function clearSelection(): void {
  selected.clear();
  allMatching = false;
  lastClicked = null;
  sync();
}

function onClick(e: MouseEvent): void {
  const target = e.target as HTMLElement | null;
  if (!target) return;
  if (target.classList.contains("row-select")) {
    const box = target as HTMLInputElement;
    const id = Number(box.value);
    if (allMatching) {
      // Leaving "all matching": the page's rows stay selected, the one clicked follows the click.
      allMatching = false;
      boxes().forEach((b) => selected.add(Number(b.value)));
    }
    const rows = boxes().map((b) => Number(b.value));
    if (e.shiftKey && lastClicked !== null && rows.includes(lastClicked)) {
      const [from, to] = [rows.indexOf(lastClicked), rows.indexOf(id)].sort((a, b) => a - b);
      for (const rowId of rows.slice(from, to + 1)) {
        if (box.checked) selected.add(rowId);
        else selected.delete(rowId);
      }
    } else if (box.checked) selected.add(id);
    else selected.delete(id);
    lastClicked = id;
    sync();
  } else if (target.id === "bulk-page") {
    const on = (target as HTMLInputElement).checked;
    allMatching = false;
    boxes().forEach((b) => (on ? selected.add(Number(b.value)) : selected.delete(Number(b.value))));
    sync();
  } else if (target.id === "bulk-matching") {
    void selectMatching();
  } else if (target.id === "bulk-clear") {
    clearSelection();
  }
}

function listQuery(): string {
  const url = bar()?.dataset.listUrl ?? "";
  return url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
}

async function selectMatching(): Promise<void> {
  const b = bar();
  if (!b) return;
  const params = new URLSearchParams({ view: b.dataset.view ?? "", query: listQuery() });
  const response = await fetch(`${b.dataset.matchingUrl}?${params}`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const data = (await response.json()) as { count: number; message: string };
  allMatching = true;
  sync();
  const count = byId("bulk-count");
  if (count) count.textContent = data.message;
  announce(data.message);
}

async function post(url: string, body: URLSearchParams): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body,
  });
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new Error(String(data.error ?? text("failed")));
  return data;
}

async function onSubmit(e: SubmitEvent): Promise<void> {
  const f = e.target as HTMLFormElement | null;
  if (!f || f.id !== "bulk-form") return;
  e.preventDefault();
  const b = bar();
  if (!b) return;
  const body = new URLSearchParams();
  const action = (f.elements.namedItem("action") as HTMLSelectElement).value;
  body.set("action", action);
  f.querySelectorAll<HTMLInputElement | HTMLSelectElement>(`[data-for="${action}"] [name]`).forEach((field) =>
    body.set(field.name, field.value),
  );
  if (allMatching) {
    body.set("all", "1");
    body.set("view", b.dataset.view ?? "");
    body.set("query", listQuery());
  } else selected.forEach((id) => body.append("ids", String(id)));
  try {
    const data = await post(b.dataset.url ?? "", body);
    const message = String(data.message ?? "");
    announce(message);
    clearSelection();
    refresh("list");
    if (data.token) toast(message, String(data.token), b.dataset.undoUrl ?? "", text("undo"), text("undone"));
    else toast(message, "", "", "", "");
  } catch (error) {
    announce((error as Error).message);
    toast((error as Error).message, "", "", "", "");
  }
}

let toastTimer = 0;

/** The toast under the list: what the change did, and for ``UNDO_MS`` its Undo button. It lives
 * outside the list, so the list's live refreshes do not take it away. */
function toast(message: string, token: string, undoUrl: string, undoLabel: string, undone: string): void {
  byId("bulk-toast")?.remove();
  window.clearTimeout(toastTimer);
  const box = document.createElement("div");
  box.id = "bulk-toast";
  box.className = "bulk-toast";
  box.setAttribute("role", "status");
  const said = document.createElement("span");
  said.textContent = message;
  box.append(said);
  if (token) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn bulk-undo";
    button.textContent = undoLabel;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const data = await post(undoUrl, new URLSearchParams({ token }));
        said.textContent = String(data.message ?? undone);
        announce(said.textContent);
        refresh("list");
      } catch (error) {
        said.textContent = (error as Error).message;
      }
      button.remove();
      toastTimer = window.setTimeout(() => box.remove(), 3_000);
    });
    box.append(button);
  }
  document.body.append(box);
  toastTimer = window.setTimeout(() => box.remove(), UNDO_MS);
}

/** Keep the selection and the bar's half-made choice across a live refresh of the list; a new
 * view, filter or order starts without a selection. */
function beforeSwap(e: Event): void {
  const detail = (e as CustomEvent<HtmxBeforeSwapDetail>).detail;
  if (detail.target.id !== "list") return;
  const f = form();
  kept = f ? Array.from(new FormData(f).entries(), ([k, v]) => [k, String(v)]) : [];
}

function afterSettle(e: Event): void {
  const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
  if (detail.target?.id !== "list") return;
  const b = bar();
  const key = b ? `${b.dataset.view}?${listQuery()}` : "";
  if (key !== listKey) {
    listKey = key;
    selected.clear();
    allMatching = false;
  }
  sync();
  const f = form();
  if (!f) return;
  for (const [name, value] of kept) {
    const field = f.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    const known = !(field instanceof HTMLSelectElement) || Array.from(field.options).some((o) => o.value === value);
    if (field && known) field.value = value;
  }
  showFields();
}

/** Select or unselect one row (the `x` key). */
export function toggleRow(id: number): void {
  const box = boxes().find((b) => Number(b.value) === id);
  if (!box) return;
  box.click();
}

/** Whether the agent has rows selected (the list then holds still: listhold.ts). */
export function anySelected(): boolean {
  return allMatching || selected.size > 0;
}

export function installBulk(): void {
  document.body.addEventListener("click", onClick);
  document.body.addEventListener("submit", (e) => void onSubmit(e as SubmitEvent));
  document.body.addEventListener("change", (e) => {
    if ((e.target as HTMLElement | null)?.id === "bulk-action") showFields();
  });
  document.body.addEventListener("htmx:beforeSwap", beforeSwap);
  document.body.addEventListener("htmx:afterSettle", afterSettle);
  const b = bar();
  listKey = b ? `${b.dataset.view}?${listQuery()}` : "";
  sync();
}
