/** Who else is on the open ticket (UX.md, section 6): their avatars in the ticket header with
 * "Jana is viewing" / "Jana is typing a reply…", live over the workspace's one websocket.
 *
 * This page says which ticket it shows (`view`) when a ticket opens, every HEARTBEAT_MS and when
 * the tab goes to the background or comes back; the server forgets a page that stops beating
 * (hub/collision.py), so a crashed browser does not stay "viewing". Typing is said at most every
 * TYPING_EVERY_MS while keys are pressed, and "stopped" after TYPING_IDLE_MS or on sending.
 * Signals only: nothing is locked; the send check is the server's (after_message_id). */

import { announce, byId, openTicketId } from "./dom";

const HEARTBEAT_MS = 15_000; // hub.collision.HEARTBEAT_SECONDS
const TYPING_EVERY_MS = 2_000;
const TYPING_IDLE_MS = 4_000;
const TYPING_SHOWN_MS = 6_000; // hub.collision.TYPING_SECONDS: a lost "stopped" fades anyway

export interface Viewer {
  agent_id: number;
  name: string;
  typing: "" | "reply" | "note";
  background: boolean;
}

export interface ViewersEvent {
  type: "ticket.viewers";
  ticket_id: number;
  version: number;
  viewers: Viewer[];
}

/** What collision needs of the socket (live.ts's LiveSocket). */
export interface PresenceSocket {
  send(message: object): boolean;
}

let socket: PresenceSocket | null = null;
let latest: ViewersEvent | null = null;
const fades = new Map<number, number>();
let typingMode = "";
let typingSentAt = 0;
let idleTimer: number | undefined;

function mode(): "reply" | "note" {
  const checked = document.querySelector<HTMLInputElement>("#composer-form input[name=mode]:checked");
  return checked?.value === "note" ? "note" : "reply";
}

/** Tell the server which ticket this page shows (null: none); also the heartbeat. */
export function sayViewing(): void {
  const ticketId = openTicketId();
  if (latest && latest.ticket_id !== ticketId) latest = null;
  socket?.send({ type: "view", ticket_id: ticketId, background: document.visibilityState !== "visible" });
  if (typingMode && ticketId === null) typingMode = "";
  render();
}

function sayTyping(next: string): void {
  const ticketId = openTicketId();
  if (ticketId === null) return;
  const now = Date.now();
  if (next === typingMode && (next === "" || now - typingSentAt < TYPING_EVERY_MS)) return;
  typingMode = next;
  typingSentAt = now;
  socket?.send({ type: "typing", ticket_id: ticketId, mode: next });
}

function stopTyping(): void {
  window.clearTimeout(idleTimer);
  sayTyping("");
}

function onKey(): void {
  sayTyping(mode());
  window.clearTimeout(idleTimer);
  idleTimer = window.setTimeout(stopTyping, TYPING_IDLE_MS);
}

/** A ticket.viewers event from the socket: who is on the ticket now, without this agent. */
export function onViewers(event: ViewersEvent): void {
  if (event.ticket_id !== openTicketId()) return;
  if (latest && latest.ticket_id === event.ticket_id && latest.version > event.version) return;
  const before = new Map((latest?.viewers ?? []).map((v) => [v.agent_id, v.typing]));
  latest = event;
  for (const viewer of event.viewers) {
    window.clearTimeout(fades.get(viewer.agent_id));
    if (viewer.typing) fades.set(viewer.agent_id, window.setTimeout(() => fade(viewer.agent_id), TYPING_SHOWN_MS));
  }
  render();
  // Someone starting to write here is worth saying once; viewing and each keystroke are not.
  const el = byId("ticket-viewers");
  for (const viewer of event.viewers) {
    if (el && viewer.typing && before.get(viewer.agent_id) !== viewer.typing) announce(line(el, viewer));
  }
}

function fade(agentId: number): void {
  const viewer = latest?.viewers.find((v) => v.agent_id === agentId);
  if (!viewer) return;
  viewer.typing = "";
  render();
}

/** What `viewer` does, from the template of their kind ("{name} is viewing"), with their name. */
export function viewerLine(viewer: Viewer, templates: { viewing?: string; reply?: string; note?: string }): string {
  const template =
    viewer.typing === "reply" ? templates.reply : viewer.typing === "note" ? templates.note : templates.viewing;
  return (template ?? "{name}").replace("{name}", viewer.name);
}

function line(el: HTMLElement, viewer: Viewer): string {
  const { viewing, typingReply, typingNote } = el.dataset;
  return viewerLine(viewer, { viewing, reply: typingReply, note: typingNote });
}

export function initials(name: string): string {
  const parts = name.replace(/\./g, " ").split(/\s+/).filter(Boolean);
  return parts.slice(0, 2).map((p) => p[0]).join("").toUpperCase() || "?";
}

/** frontend/templatetags/workspace.py's avatar_hue: the same colour per person everywhere. */
export function avatarHue(name: string): number {
  let sum = 0;
  for (const ch of name) sum += ch.codePointAt(0) ?? 0;
  return (sum * 47) % 360;
}

/** Draw the viewers into the header's #ticket-viewers (again after every swap of the header). */
export function render(): void {
  const el = byId("ticket-viewers");
  if (!el) return;
  const viewers = latest && latest.ticket_id === openTicketId() ? latest.viewers : [];
  el.hidden = viewers.length === 0;
  const avatars = document.createElement("span");
  avatars.className = "viewers-avatars";
  const text = document.createElement("span");
  text.className = "viewers-text";
  for (const viewer of viewers) {
    const avatar = document.createElement("span");
    avatar.className = "avatar avatar-sm";
    avatar.classList.toggle("is-background", viewer.background);
    avatar.classList.toggle("is-typing", viewer.typing !== "");
    avatar.style.setProperty("--hue", String(avatarHue(viewer.name)));
    avatar.setAttribute("aria-hidden", "true");
    avatar.title = viewer.name;
    avatar.textContent = initials(viewer.name);
    avatars.append(avatar);
  }
  text.textContent = viewers.map((v) => line(el, v)).join(" · ");
  el.replaceChildren(avatars, text);
}

export function installCollision(live: PresenceSocket): void {
  socket = live;
  document.body.addEventListener("input", (e) => {
    if ((e.target as Element | null)?.id === "composer-text") onKey();
  });
  // Sent, discarded, or switched between reply and note: what others see follows at once.
  document.body.addEventListener("hub:sent", stopTyping);
  document.body.addEventListener("composer:discarded", stopTyping);
  document.body.addEventListener("change", (e) => {
    const t = e.target as HTMLInputElement | null;
    if (t?.name === "mode" && typingMode) sayTyping(mode());
  });
  document.addEventListener("visibilitychange", sayViewing);
  window.setInterval(sayViewing, HEARTBEAT_MS);
  document.body.addEventListener("htmx:afterSettle", render);
}
