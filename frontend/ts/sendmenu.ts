/** The composer's extras around the send button: "Send and solve / pending / on hold" and "Then
 * open the next ticket" (a menu button with arrow keys and Escape), the Cc/Bcc toggle, and
 * holding a send while files upload. */

import { announce, byId, openTicketId, saveSwitch } from "./dom";
import { sentMovingOn } from "./undosend";

function toggle(): HTMLButtonElement | null {
  return byId<HTMLButtonElement>("send-more");
}

function items(): HTMLButtonElement[] {
  return Array.from(byId("send-menu")?.querySelectorAll<HTMLButtonElement>("[role=menuitem], [role=menuitemcheckbox]") ?? []);
}

function openMenu(focusIndex: number): void {
  const menu = byId("send-menu");
  const button = toggle();
  if (!menu || !button) return;
  menu.hidden = false;
  button.setAttribute("aria-expanded", "true");
  const all = items();
  all[(focusIndex + all.length) % all.length]?.focus();
}

function closeMenu(refocus: boolean): void {
  const menu = byId("send-menu");
  const button = toggle();
  if (!menu || menu.hidden) return;
  menu.hidden = true;
  button?.setAttribute("aria-expanded", "false");
  if (refocus) button?.focus();
}

function install(): void {
  document.body.addEventListener("click", (e) => {
    const target = e.target as Element | null;
    if (target?.closest("#send-more")) {
      if (byId("send-menu")?.hidden === false) closeMenu(true);
      else openMenu(0);
      return;
    }
    const next = target?.closest<HTMLButtonElement>("#send-next");
    if (next) {
      toggleOpenNext(next);
      return;
    }
    if (!target?.closest("#send-menu")) closeMenu(false);
    const copies = target?.closest<HTMLButtonElement>("[data-copies-toggle]");
    const fields = byId("composer-copy-fields");
    if (copies && fields) {
      fields.hidden = !fields.hidden;
      copies.setAttribute("aria-expanded", String(!fields.hidden));
      if (!fields.hidden) byId<HTMLInputElement>("composer-cc")?.focus();
    }
  });

  document.body.addEventListener("keydown", (e) => {
    const target = e.target as Element | null;
    if (target?.id === "send-more" && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      openMenu(e.key === "ArrowDown" ? 0 : -1);
      return;
    }
    if (!target?.closest("#send-menu")) return;
    const all = items();
    const at = all.indexOf(target as HTMLButtonElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      all[(at + (e.key === "ArrowDown" ? 1 : -1) + all.length) % all.length]?.focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      all[e.key === "Home" ? 0 : all.length - 1]?.focus();
    } else if (e.key === "Escape" || e.key === "Tab") {
      if (e.key === "Escape") e.preventDefault();
      closeMenu(e.key === "Escape");
    }
  });

  // A file or an image still on its way would not go with the reply: the send waits for it.
  document.body.addEventListener("htmx:confirm", (e) => {
    const detail = (e as CustomEvent<{ elt: Element }>).detail;
    if (detail.elt.id !== "composer-form") return;
    if (document.querySelector("#composer-files .is-uploading")) {
      e.preventDefault();
      announce(byId("composer-files")?.dataset.wait ?? "");
    } else if (document.querySelector("#composer-rich img.is-uploading")) {
      e.preventDefault();
      announce(document.querySelector<HTMLElement>("#composer-form input[name=html]")?.dataset.imageWait ?? "");
    }
  });

  document.body.addEventListener("hub:sent", (e) => {
    closeMenu(false);
    const { ticket_id: sent, mode } = (e as CustomEvent<{ ticket_id?: number; mode?: string }>).detail ?? {};
    // Only a reply: a note is part of working on the ticket, not the end of it.
    if (mode !== "reply" || sent === undefined || sent !== openTicketId() || sentMovingOn(sent)) return;
    if (byId("send-next")?.getAttribute("aria-checked") === "true") openNext(sent);
  });
}

/** Remembered for the agent: the box stays as set on the next ticket and after a reload. */
function toggleOpenNext(button: HTMLButtonElement): void {
  saveSwitch(button, "aria-checked", button.getAttribute("aria-checked") !== "true");
}

/** The list's next ticket after the one just answered (the first other one when it is gone or last). */
function openNext(current: number): void {
  const rows = Array.from(document.querySelectorAll<HTMLElement>("#list .row"));
  const at = rows.findIndex((row) => Number(row.dataset.ticketId) === current);
  const after = at >= 0 ? [...rows.slice(at + 1), ...rows.slice(0, at)] : rows;
  const next = after.find((row) => Number(row.dataset.ticketId) !== current && !row.classList.contains("is-gone"));
  next?.querySelector<HTMLElement>(".row-link")?.click();
}

install();
