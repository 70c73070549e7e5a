/** The one websocket of the workspace (UX.md, section 9): it never renders anything itself.
 * Each event only tells a region to fetch itself again (`live:refresh`), rendered by the server
 * in the agent's language and permissions. Reconnects with backoff and catches up after a
 * reconnect and when the tab becomes visible again. */

import { announce, byId, openTicketId, reconnectDelay, refresh } from "./dom";
import { type CallEvent, onCallEvent } from "./callpop";
import { onViewers, sayViewing, type ViewersEvent } from "./collision";
import { onNewChat, refreshBell } from "./bell";
import { presenceChanged } from "./presence";
import { onRowViewers } from "./rowpresence";
import { showNotice } from "./notices";
import { changedBy } from "./updatedby";
import { type ChatEvent, chatAssigned, offerChat } from "./chatpop";

interface HubEvent {
  type: string;
  ticket_id: number;
  version: number;
  message_id?: number;
  rule?: string;
  subject?: string;
  by?: { id: number; name: string };
  assignee_id?: number | null;
}

interface HubBatch {
  type: "batch";
  events: HubEvent[];
}


export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private listTimer: number | undefined;
  private connectedBefore = false;
  private followed = new Set<number>();
  private seen: string[] = [];

  constructor(private readonly url: string) {}

  start(): void {
    this.connect();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") return;
      if (this.isOpen()) this.catchUp();
      else this.reconnectNow();
    });
    window.addEventListener("online", () => this.reconnectNow());
  }

  /** Subscribe to the open ticket's own group, so its events arrive even if it left our views. */
  follow(ticketId: number | null): void {
    if (ticketId === null || !this.isOpen() || this.followed.has(ticketId)) return;
    this.ws?.send(JSON.stringify({ type: "follow", ticket_id: ticketId }));
    this.followed.add(ticketId);
  }

  /** A message to the server (viewing and typing: collision.ts); false while disconnected. */
  send(message: object): boolean {
    if (!this.isOpen()) return false;
    this.ws?.send(JSON.stringify(message));
    return true;
  }

  private isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.followed.clear();
      setPaused(false);
      this.follow(openTicketId());
      sayViewing();
      if (this.connectedBefore) this.catchUp();
      this.connectedBefore = true;
    });
    ws.addEventListener("message", (e: MessageEvent<string>) => {
      try {
        const frame = JSON.parse(e.data) as HubEvent | HubBatch;
        // Events close together arrive as one batch frame (hub/consumers.py, CoalescedFeed).
        if (frame.type === "batch") for (const event of (frame as HubBatch).events) this.onEvent(event);
        else this.onEvent(frame as HubEvent);
      } catch {
        /* not an event of ours */
      }
    });
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      setPaused(true);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    window.clearTimeout(this.retryTimer);
    const delay = reconnectDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  private reconnectNow(): void {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    window.clearTimeout(this.retryTimer);
    this.connect();
  }

  /** Whatever happened while we were away: every live region asks the server again. */
  catchUp(): void {
    refresh("list");
    if (openTicketId() !== null) {
      refresh("ticket-header");
      refresh("timeline");
      refresh("customer");
    }
  }

  private onEvent(event: HubEvent): void {
    if (event.type === "presence") {
      presenceChanged();
      return;
    }
    if (typeof event.ticket_id !== "number") return;
    // One change reaches us through several groups (team and ticket); act on it once.
    const key = `${event.type}:${event.ticket_id}:${event.version}:${event.message_id ?? ""}`;
    if (this.seen.includes(key)) return;
    this.seen.push(key);
    if (this.seen.length > 200) this.seen.shift();
    if (event.type.startsWith("call.")) {
      onCallEvent(event as unknown as CallEvent);
      return;
    }
    if (event.type === "ticket.viewers") {
      onViewers(event as unknown as ViewersEvent);
      onRowViewers(event as unknown as ViewersEvent);
      return;
    }
    if (event.type === "ticket.notice") {
      showNotice(event);
      return;
    }
    if (event.type === "notification" || event.type === "chat.new") {
      if (event.type === "notification") refreshBell();
      else {
        onNewChat();
        offerChat(event as unknown as ChatEvent);
      }
      return;
    }

    this.refreshListSoon();
    if (event.type === "ticket.updated") chatAssigned(event.ticket_id, event.assignee_id);
    if (event.ticket_id !== openTicketId()) return;
    if (event.type === "message.updated" && event.message_id) {
      // A delivery state changed: redraw that one item where it stands.
      const item = byId(`m-${event.message_id}`);
      const url = byId("timeline")?.getAttribute("hx-get");
      if (item && url) void htmx.ajax("GET", url, { target: item, swap: "outerHTML" });
      return;
    }
    changedBy(event.ticket_id, event.version, event.type === "ticket.updated" ? event.by : undefined);
    refresh("ticket-header", event.version);
    refresh("timeline");
  }

  /** Bursts of events (a bulk import, a busy chat) become one list request. */
  private refreshListSoon(): void {
    window.clearTimeout(this.listTimer);
    this.listTimer = window.setTimeout(() => refresh("list"), 150);
  }
}

function setPaused(paused: boolean): void {
  const indicator = byId("live-status");
  if (indicator) {
    // Said once through the page's one polite live region, not on every retry.
    if (paused && indicator.hidden) announce(indicator.textContent?.trim() ?? "");
    indicator.hidden = !paused;
  }
  document.body.classList.toggle("is-offline", paused);
  // Browser tests and support staff can read the connection state off the page.
  document.body.dataset.live = paused ? "paused" : "open";
}
