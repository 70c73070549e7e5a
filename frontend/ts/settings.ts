/** The settings area's island: copy buttons, row builders (add, remove, drag or move to
 * reorder) and live previews. Every page works without it: builders then show their empty
 * rows, and previews refresh on save. */

import { installBell } from "./bell";

function announce(text: string): void {
  const region = document.getElementById("settings-announcer");
  if (region) region.textContent = text;
}

function installCopy(): void {
  document.addEventListener("click", async (e) => {
    const button = (e.target as Element | null)?.closest<HTMLButtonElement>("[data-copy]");
    if (!button) return;
    const source = document.querySelector<HTMLElement>(button.dataset.copy ?? "");
    if (!source) return;
    const text = source instanceof HTMLTextAreaElement || source instanceof HTMLInputElement ? source.value : (source.textContent ?? "");
    try {
      await navigator.clipboard.writeText(text.trim());
    } catch {
      // No clipboard permission (plain http): select the text so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
    }
    announce(button.dataset.copied ?? "Copied");
    button.classList.add("is-copied");
  });
}

/** A Django formset drawn as a list: ``<ol data-builder="prefix">`` rows with ``data-row``, a
 * ``<template id="prefix-template">`` for new rows and the formset's management form. */
function renumber(list: HTMLElement): void {
  let position = 0;
  list.querySelectorAll<HTMLElement>(":scope > [data-row]").forEach((row) => {
    if (row.classList.contains("is-removed")) return;
    position += 1;
    const order = row.querySelector<HTMLInputElement>('input[name$="-ORDER"]');
    if (order) order.value = String(position);
  });
}

function addRow(prefix: string): void {
  const list = document.querySelector<HTMLElement>(`[data-builder="${prefix}"]`);
  const template = document.getElementById(`${prefix}-template`) as HTMLTemplateElement | null;
  const total = document.querySelector<HTMLInputElement>(`input[name="${prefix}-TOTAL_FORMS"]`);
  if (!list || !template || !total) return;
  const index = Number(total.value);
  const html = template.innerHTML.replace(/__prefix__/g, String(index));
  list.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  renumber(list);
  const row = list.lastElementChild as HTMLElement | null;
  row?.querySelector<HTMLElement>("input:not([type=hidden]), select")?.focus();
  list.dispatchEvent(new Event("input", { bubbles: true }));
}

function removeRow(row: HTMLElement): void {
  const list = row.parentElement as HTMLElement;
  const remove = row.querySelector<HTMLInputElement>('input[name$="-DELETE"]');
  if (remove) {
    remove.checked = true;
    row.classList.add("is-removed");
  } else {
    row.remove();
  }
  renumber(list);
  list.dispatchEvent(new Event("input", { bubbles: true }));
}

function move(row: HTMLElement, step: -1 | 1): void {
  const list = row.parentElement as HTMLElement;
  const sibling = (step < 0 ? row.previousElementSibling : row.nextElementSibling) as HTMLElement | null;
  if (!sibling) return;
  if (step < 0) list.insertBefore(row, sibling);
  else list.insertBefore(sibling, row);
  renumber(list);
  row.querySelector<HTMLElement>(step < 0 ? "[data-move-up]" : "[data-move-down]")?.focus();
  list.dispatchEvent(new Event("input", { bubbles: true }));
}

function installBuilders(): void {
  document.addEventListener("click", (e) => {
    const target = e.target as Element | null;
    const add = target?.closest<HTMLElement>("[data-builder-add]");
    if (add) {
      e.preventDefault();
      addRow(add.dataset.builderAdd ?? "");
      return;
    }
    const row = target?.closest<HTMLElement>("[data-row]");
    if (!row) return;
    if (target?.closest("[data-remove]")) {
      e.preventDefault();
      removeRow(row);
    } else if (target?.closest("[data-move-up]")) {
      e.preventDefault();
      move(row, -1);
    } else if (target?.closest("[data-move-down]")) {
      e.preventDefault();
      move(row, 1);
    }
  });
  let dragged: HTMLElement | null = null;
  document.addEventListener("dragstart", (e) => {
    dragged = (e.target as Element | null)?.closest<HTMLElement>("[data-row]") ?? null;
    dragged?.classList.add("is-dragging");
  });
  document.addEventListener("dragover", (e) => {
    const over = (e.target as Element | null)?.closest<HTMLElement>("[data-row]");
    if (!dragged || !over || over === dragged || over.parentElement !== dragged.parentElement) return;
    e.preventDefault();
    const box = over.getBoundingClientRect();
    const after = e.clientY > box.top + box.height / 2;
    over.parentElement?.insertBefore(dragged, after ? over.nextSibling : over);
  });
  document.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("is-dragging");
    const list = dragged.parentElement as HTMLElement;
    renumber(list);
    list.dispatchEvent(new Event("input", { bubbles: true }));
    dragged = null;
  });
  document.querySelectorAll<HTMLElement>("[data-builder]").forEach(renumber);
}

/** ``<form data-preview="#frame">``: the frame shows the preview URL with the form's current
 * values, refreshed while the admin types. */
function installPreviews(): void {
  document.querySelectorAll<HTMLFormElement>("form[data-preview]").forEach((form) => {
    const frame = document.querySelector<HTMLIFrameElement>(form.dataset.preview ?? "");
    if (!frame) return;
    const base = frame.dataset.src ?? frame.src;
    let timer = 0;
    const update = (): void => {
      const data = new FormData(form);
      data.delete("csrfmiddlewaretoken");
      const query = new URLSearchParams();
      data.forEach((value, key) => {
        if (typeof value === "string") query.append(key, value);
      });
      frame.src = `${base}?${query.toString()}`;
    };
    form.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    });
    form.addEventListener("change", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 150);
    });
  });
}

function start(): void {
  installCopy();
  installBuilders();
  installPreviews();
  installBell();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
