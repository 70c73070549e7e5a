/** Entry point of the workspace islands: one websocket, the timeline, the composer and the
 * chat pane of a live chat. */

import { byId, openTicketId, refresh, refreshDeferred } from "./dom";
import { installBell } from "./bell";
import { installBulk } from "./bulk";
import { installCommands } from "./commands";
import { installKeys } from "./keys";
import { installListHold } from "./listhold";
import "./canned";
import "./channelchoice";
import "./header";
import { installCallPop } from "./callpop";
import { installChatPane, syncChatPane } from "./chatpane";
import { installCollision, sayViewing } from "./collision";
import { installUpdatedBy } from "./updatedby";
import { installDensity } from "./density";
import { applyMode, installComposer } from "./composer";
import { restoreRich } from "./richtext";
import { LiveSocket } from "./live";
import { installMentions } from "./mentions";
import "./macros";
import { installSla } from "./sla";
import { updateTitle } from "./tabtitle";
import { installUndoSend } from "./undosend";
import {
  installTimeline,
  markTimelineSeen,
  openAtFirstUnread,
  scrollToEnd,
  sizeEmailFrames,
  unfoldLinked,
  updateSeen,
} from "./timeline";

const LIST_SCROLL = ".rows";
let listScroll = 0;

function markCurrentRow(): void {
  const open = openTicketId();
  document.querySelectorAll<HTMLElement>("#list .row").forEach((row) => {
    const current = open !== null && Number(row.dataset.ticketId) === open;
    row.classList.toggle("is-open", current);
    if (current) {
      // Opened is read: the server marked it so, and the row says it now.
      row.classList.remove("is-unread");
      row.querySelector(".row-unread")?.remove();
    }
    const link = row.querySelector("a");
    if (current) link?.setAttribute("aria-current", "page");
    else link?.removeAttribute("aria-current");
  });
}

function onTicketShown(socket: LiveSocket, focus: boolean): void {
  markCurrentRow();
  markTimelineSeen();
  updateSeen();
  applyMode();
  restoreRich();
  sizeEmailFrames();
  if (!openAtFirstUnread()) scrollToEnd();
  unfoldLinked();
  socket.follow(openTicketId());
  sayViewing();
  syncChatPane();
  updateTitle();
  if (focus) byId("ticket-title")?.focus({ preventScroll: true });
}

function start(): void {
  const url = new URL(document.body.dataset.liveUrl ?? "/ws/agent/", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new LiveSocket(url.toString());

  // Before the timeline: its swap handler must see which items the chat pane already showed.
  installChatPane();
  installTimeline();
  installComposer();
  installUndoSend();
  installCollision(socket);
  installUpdatedBy();
  installDensity();
  installSla();
  installCallPop();
  installMentions();
  installBell();
  installBulk();
  installKeys();
  installCommands();
  installListHold();

  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const detail = (e as CustomEvent<HtmxBeforeSwapDetail>).detail;
    if (detail.target.id === "list") listScroll = document.querySelector(`#list ${LIST_SCROLL}`)?.scrollTop ?? 0;
  });

  // A live refresh of the list must not move what the agent is looking at: the scroll goes back
  // as soon as the new list is drawn, not when it settles 20 ms later (a jump to the top between).
  document.body.addEventListener("htmx:afterSwap", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    if (detail.target?.id !== "list" || detail.requestConfig?.verb !== "get") return;
    if (detail.requestConfig.elt.closest("a")) return; // a link of the list asked for another page
    const rows = document.querySelector(`#list ${LIST_SCROLL}`);
    if (rows) rows.scrollTop = listScroll;
  });

  document.body.addEventListener("htmx:afterSettle", (e) => {
    const detail = (e as CustomEvent<HtmxRequestDetail>).detail;
    const id = detail.target?.id;
    if (id === "list") {
      markCurrentRow();
      updateTitle();
    } else if (id === "ticket" || id === "workspace") {
      onTicketShown(socket, id === "ticket");
    }
  });

  // Below 1280 px the customer panel is a drawer the agent opens and closes.
  document.body.addEventListener("click", (e) => {
    const toggle = (e.target as Element | null)?.closest<HTMLButtonElement>(".customer-toggle");
    const pane = byId("ticket");
    if (!toggle || !pane) return;
    const open = pane.classList.toggle("show-customer");
    toggle.setAttribute("aria-expanded", String(open));
  });

  // A live refresh that waited (a header control's own request, a region not yet set up) goes out
  // once the request is done or the swap has settled.
  document.body.addEventListener("htmx:afterRequest", () => window.setTimeout(refreshDeferred));
  document.body.addEventListener("htmx:afterSettle", () => window.setTimeout(refreshDeferred));

  // Back/forward restores the whole page from the server (hx-history="false").
  document.body.addEventListener("htmx:historyRestore", () => onTicketShown(socket, false));

  onTicketShown(socket, false);
  socket.start();
  // Relative times ("vor 5 Min.") are rendered by the server; a quiet minute still moves them.
  window.setInterval(() => {
    if (document.visibilityState === "visible") refresh("list");
  }, 60_000);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
