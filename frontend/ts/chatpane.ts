/** The agent's live chat pane (ws/chat/agent/): the visitor's messages the moment they are
 * written, "is typing…" both ways, read receipts both ways, and replies that are pending until
 * the server says "sent" and are resent under the same client id after a reconnect.
 *
 * The pane lives inside the ticket's timeline region: the server-rendered stream (notes,
 * events, earlier messages) stays, and what the chat socket brings ahead of the pipeline is
 * shown as provisional items (`.chat-live`, `.chat-pending`) that the real timeline items
 * replace when they arrive. Visitor text only ever goes in through textContent. */

import { announce, byId, newClientId, openTicketId, reconnectDelay } from "./dom";
import { scrollToEnd } from "./timeline";

interface Strings {
  typing: string;
  sending: string;
  sent: string;
  read: string;
  failed: string;
  retry: string;
  reconnecting: string;
  ended: string;
  solved: string;
  unavailable: string;
  newMessage: string;
  visitor: string;
}

interface ChatMessage {
  type: "message";
  seq: number;
  client_id: string;
  from: "visitor" | "agent" | "system";
  text: string;
  at: string;
  agent: { name: string } | null;
  attachment: { name: string; url: string } | null;
}

type ServerEvent =
  | { type: "history"; ticket_id: number; messages: ChatMessage[] }
  | ChatMessage
  | { type: "sent"; client_id: string; message_id: number }
  | { type: "chat.typing"; active: boolean }
  | { type: "chat.read"; seq: number }
  | { type: "status"; status: string }
  | { type: "unfollowed"; ticket_id: number; reason: string }
  | { type: "error"; code: string; client_id?: string };

interface Outgoing {
  clientId: string;
  text: string;
  el: HTMLElement;
}

const TYPING_EVERY_MS = 3_000; // our "typing" is repeated at most this often …
const TYPING_IDLE_MS = 4_000; // … and turned off after this long without a key
const VISITOR_TYPING_TIMEOUT_MS = 8_000; // a visitor who stops without saying so
const NEAR_BOTTOM_PX = 80;

let current: ChatPane | null = null;

function timeline(): HTMLElement | null {
  return byId("timeline");
}

function shortTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit",
    minute: "2-digit",
  }).format(at);
}

class ChatPane {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private closed = false;
  private ended = false;
  /** Replies not yet confirmed by "sent", in the order typed. */
  private outbox = new Map<string, Outgoing>();
  /** Agent messages of the log by hub message id → chat sequence (for read receipts). */
  private hubSeq = new Map<number, number>();
  private visitorRead: number;
  private readSent = 0;
  private typingSentAt = 0;
  private typingIdle: number | undefined;
  private visitorTypingTimer: number | undefined;

  constructor(
    readonly ticketId: number,
    private readonly root: HTMLElement,
    private readonly strings: Strings,
  ) {
    this.visitorRead = Number(root.dataset.visitorRead || 0);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.closed = true;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.typingIdle);
    window.clearTimeout(this.visitorTypingTimer);
    this.ws?.close();
    this.ws = null;
  }

  isFor(root: HTMLElement): boolean {
    return root === this.root && !this.closed;
  }

  // -- connection -------------------------------------------------------------------------

  private connect(): void {
    const url = new URL(this.root.dataset.wsUrl ?? "/ws/chat/agent/", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url.toString());
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      ws.send(JSON.stringify({ type: "follow", ticket_id: this.ticketId }));
    });
    ws.addEventListener("message", (e: MessageEvent<string>) => {
      try {
        this.onEvent(JSON.parse(e.data) as ServerEvent);
      } catch {
        /* not an event of ours */
      }
    });
    ws.addEventListener("close", () => {
      if (this.ws !== ws || this.closed) return;
      this.root.dataset.chat = "reconnecting";
      if (!this.ended) this.setState(this.strings.reconnecting);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    window.clearTimeout(this.retryTimer);
    const delay = reconnectDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  reconnectNow(): void {
    if (this.closed || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    window.clearTimeout(this.retryTimer);
    this.connect();
  }

  private send(payload: Record<string, unknown>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ ticket_id: this.ticketId, ...payload }));
    return true;
  }

  private onEvent(event: ServerEvent): void {
    switch (event.type) {
      case "history":
        this.onHistory(event.messages);
        break;
      case "message":
        this.onMessage(event, true);
        break;
      case "sent":
        this.onSent(event.client_id, event.message_id);
        break;
      case "chat.typing":
        this.showVisitorTyping(Boolean(event.active));
        break;
      case "chat.read":
        if (typeof event.seq === "number" && event.seq > this.visitorRead) {
          this.visitorRead = event.seq;
          this.markRead();
        }
        break;
      case "status":
        if (event.status === "ended") this.end(this.strings.ended);
        break;
      case "unfollowed":
        // The ticket moved out of the agent's sight: the server stopped telling this pane about it.
        this.end(this.strings.unavailable);
        break;
      case "error":
        this.onError(event.code, event.client_id);
        break;
    }
  }

  private onHistory(messages: ChatMessage[]): void {
    this.root.dataset.chat = "live";
    if (!this.ended) this.setState("");
    for (const message of messages) this.onMessage(message, false);
    this.reconcile();
    // What the server has not confirmed goes again, under the same client ids: it stores each once.
    for (const item of this.outbox.values()) this.transmit(item);
    this.sendRead();
  }

  // -- the log ----------------------------------------------------------------------------

  /** The largest chat sequence the page shows; older ones may be paged out of the timeline. */
  private shownSeq(): number {
    let max = 0;
    timeline()
      ?.querySelectorAll<HTMLElement>("[data-chat-seq]")
      .forEach((el) => {
        max = Math.max(max, Number(el.dataset.chatSeq));
      });
    return max;
  }

  private hubIdOf(message: ChatMessage): number | null {
    const match = /^hub:(\d+)$/.exec(message.client_id);
    return message.from === "agent" && match ? Number(match[1]) : null;
  }

  /** The element showing an agent reply: the timeline's own item, a provisional one, or a pending one. */
  private agentItem(hubId: number): HTMLElement | null {
    return byId(`m-${hubId}`) ?? timeline()?.querySelector<HTMLElement>(`[data-hub-id="${hubId}"]`) ?? null;
  }

  private onMessage(message: ChatMessage, live: boolean): void {
    const log = timeline();
    if (!log || typeof message.seq !== "number") return;
    const hubId = this.hubIdOf(message);
    if (hubId !== null) {
      this.hubSeq.set(hubId, message.seq);
      const shown = this.agentItem(hubId);
      if (shown) {
        shown.dataset.chatSeq = String(message.seq);
        this.markRead();
        return;
      }
    } else if (log.querySelector(`[data-chat-seq="${message.seq}"]`)) {
      return;
    }
    if (message.seq <= this.shownSeq()) return;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
    const item = this.bubble(message, hubId);
    log.appendChild(item);
    this.keepProvisionalLast();
    if (message.from === "visitor") {
      this.showVisitorTyping(false);
      if (live) announce(`${this.strings.newMessage}: ${message.text}`);
    }
    this.markRead();
    if (atBottom || message.from !== "visitor") scrollToEnd();
    else {
      const pill = byId("new-below");
      if (pill) pill.hidden = false;
    }
    this.sendRead();
  }

  private bubble(message: ChatMessage, hubId: number | null): HTMLElement {
    const incoming = message.from === "visitor";
    const item = document.createElement("article");
    item.id = `c-${message.seq}`;
    item.className = `item bubble ${incoming ? "in" : "out"} chat-live`;
    item.dataset.chatSeq = String(message.seq);
    // Already told (announced) through the pane: the timeline must not say it again.
    item.dataset.fresh = "";
    if (hubId !== null) item.dataset.hubId = String(hubId);
    // A message that is only a file shows the file, not an empty bubble above it.
    if (message.text) {
      const body = document.createElement("div");
      body.className = "bubble-body";
      body.textContent = message.text;
      item.appendChild(body);
    }
    if (message.attachment && message.attachment.url.startsWith("/")) {
      const files = document.createElement("ul");
      files.className = "attachments";
      const link = document.createElement("a");
      link.href = message.attachment.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = message.attachment.name;
      files.appendChild(document.createElement("li")).appendChild(link);
      item.appendChild(files);
    }
    const name = incoming ? this.strings.visitor : (message.agent?.name ?? "");
    item.appendChild(this.meta(name, shortTime(message.at), incoming ? "" : this.strings.sent));
    return item;
  }

  private meta(sender: string, time: string, state: string): HTMLElement {
    const meta = document.createElement("span");
    meta.className = "meta";
    const who = document.createElement("span");
    who.className = "sender";
    who.textContent = sender;
    meta.appendChild(who);
    if (time) {
      const at = document.createElement("time");
      at.textContent = time;
      meta.appendChild(at);
    }
    const status = document.createElement("span");
    status.className = "chat-receipt";
    status.textContent = state;
    meta.appendChild(status);
    return meta;
  }

  /** Provisional and pending items stay below what the timeline has confirmed. */
  private keepProvisionalLast(): void {
    const log = timeline();
    if (!log) return;
    const rest = Array.from(log.querySelectorAll<HTMLElement>(":scope > .chat-live, :scope > .chat-pending"));
    const live = rest.filter((el) => el.classList.contains("chat-live"));
    live.sort((a, b) => Number(a.dataset.chatSeq) - Number(b.dataset.chatSeq));
    for (const el of live) log.appendChild(el);
    for (const el of rest) if (el.classList.contains("chat-pending")) log.appendChild(el);
  }

  /** Real timeline items arrived: they replace the provisional ones showing the same message. */
  reconcile(): void {
    const log = timeline();
    if (!log) return;
    log.querySelectorAll<HTMLElement>(":scope > .item[data-message-id]").forEach((item) => {
      const hubId = Number(item.dataset.messageId);
      const seq = item.dataset.chatSeq ? Number(item.dataset.chatSeq) : this.hubSeq.get(hubId);
      if (seq === undefined) {
        log.querySelectorAll(`.chat-pending[data-hub-id="${hubId}"]`).forEach((p) => p.remove());
        return;
      }
      item.dataset.chatSeq = String(seq);
      const copies = log.querySelectorAll<HTMLElement>(
        `.chat-live[data-chat-seq="${seq}"], .chat-pending[data-hub-id="${hubId}"]`,
      );
      if (copies.length && item.dataset.fresh === undefined) item.dataset.fresh = "";
      copies.forEach((p) => p.remove());
    });
    this.keepProvisionalLast();
    this.markRead();
  }

  // -- sending ----------------------------------------------------------------------------

  submit(text: string): void {
    if (!text.trim() || this.ended) return;
    const clientId = newClientId();
    const el = document.createElement("article");
    el.className = "item bubble out chat-pending";
    el.dataset.clientId = clientId;
    el.setAttribute("aria-busy", "true");
    const body = document.createElement("div");
    body.className = "bubble-body";
    body.textContent = text;
    el.appendChild(body);
    el.appendChild(this.meta("", "", this.strings.sending));
    timeline()?.appendChild(el);
    scrollToEnd();
    const item = { clientId, text, el };
    this.outbox.set(clientId, item);
    this.typing(false);
    this.transmit(item);
  }

  private transmit(item: Outgoing): void {
    item.el.classList.remove("is-failed");
    this.receipt(item.el, this.strings.sending);
    this.send({ type: "send", client_id: item.clientId, text: item.text });
  }

  private onSent(clientId: string, messageId: number): void {
    const item = this.outbox.get(clientId);
    if (!item) return;
    this.outbox.delete(clientId);
    const el = item.el;
    el.removeAttribute("aria-busy");
    if (byId(`m-${messageId}`) || timeline()?.querySelector(`.chat-live[data-hub-id="${messageId}"]`)) {
      el.remove(); // the reply is on the page already (timeline, or the chat's own echo)
      return;
    }
    el.dataset.hubId = String(messageId);
    const seq = this.hubSeq.get(messageId);
    if (seq !== undefined) el.dataset.chatSeq = String(seq);
    this.receipt(el, this.strings.sent);
    this.markRead();
  }

  private onError(code: string, clientId?: string): void {
    const item = clientId ? this.outbox.get(clientId) : undefined;
    if (item) {
      // Kept with its text; "send again" reuses the client id, so it cannot go out twice.
      item.el.classList.add("is-failed");
      item.el.removeAttribute("aria-busy");
      this.receipt(item.el, this.strings.failed);
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "btn chat-retry";
      retry.textContent = this.strings.retry;
      retry.addEventListener("click", () => {
        retry.remove();
        this.transmit(item);
      });
      item.el.querySelector(".meta")?.appendChild(retry);
      return;
    }
    if (code === "not_found") this.end(this.strings.unavailable);
  }

  private receipt(el: HTMLElement, text: string): void {
    const receipt = el.querySelector<HTMLElement>(".chat-receipt");
    if (receipt) receipt.textContent = text;
  }

  // -- read receipts ------------------------------------------------------------------------

  /** The visitor's read receipt on the agent's messages. */
  private markRead(): void {
    const log = timeline();
    if (!log || !this.visitorRead) return;
    log.querySelectorAll<HTMLElement>(".bubble.out[data-chat-seq]").forEach((el) => {
      if (Number(el.dataset.chatSeq) > this.visitorRead || el.classList.contains("is-read")) return;
      el.classList.add("is-read");
      let receipt = el.querySelector<HTMLElement>(".chat-receipt");
      if (!receipt) {
        receipt = document.createElement("span");
        receipt.className = "chat-receipt";
        el.querySelector(".meta")?.appendChild(receipt);
      }
      receipt.textContent = this.strings.read;
    });
  }

  /** Tell the visitor what the agent has seen: the visitor's messages inside the visible area. */
  sendRead(): void {
    const log = timeline();
    if (!log || document.visibilityState !== "visible") return;
    const bottom = log.getBoundingClientRect().bottom;
    let seen = 0;
    log.querySelectorAll<HTMLElement>(".bubble.in[data-chat-seq]").forEach((el) => {
      const seq = Number(el.dataset.chatSeq);
      if (seq > seen && el.getBoundingClientRect().top < bottom) seen = seq;
    });
    if (seen > this.readSent && this.send({ type: "read", seq: seen })) this.readSent = seen;
  }

  // -- typing -------------------------------------------------------------------------------

  /** The agent's typing state, throttled: at most one "typing" every few seconds, then "stopped". */
  typing(active: boolean): void {
    window.clearTimeout(this.typingIdle);
    const now = Date.now();
    if (active) {
      if (now - this.typingSentAt > TYPING_EVERY_MS && this.send({ type: "typing", active: true })) {
        this.typingSentAt = now;
      }
      this.typingIdle = window.setTimeout(() => this.typing(false), TYPING_IDLE_MS);
    } else if (this.typingSentAt) {
      this.typingSentAt = 0;
      this.send({ type: "typing", active: false });
    }
  }

  private showVisitorTyping(active: boolean): void {
    const line = this.root.querySelector<HTMLElement>(".chat-typing");
    if (!line) return;
    window.clearTimeout(this.visitorTypingTimer);
    line.hidden = !active || this.ended;
    if (active) this.visitorTypingTimer = window.setTimeout(() => (line.hidden = true), VISITOR_TYPING_TIMEOUT_MS);
  }

  // -- state ----------------------------------------------------------------------------------

  private setState(text: string): void {
    const state = this.root.querySelector<HTMLElement>(".chat-state-text");
    if (state) state.textContent = text;
  }

  /** The visitor left or the chat was solved: say so; the composer below carries on. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.typing(false);
    this.showVisitorTyping(false);
    this.root.dataset.chat = "ended";
    this.root.classList.add("is-ended");
    this.setState(reason);
    const text = this.root.querySelector<HTMLTextAreaElement>(".chat-text");
    if (text) text.disabled = true;
    this.root.querySelectorAll<HTMLElement>("[data-when-ended]").forEach((el) => (el.hidden = false));
    this.root.querySelectorAll<HTMLElement>("[data-when-live]").forEach((el) => (el.hidden = true));
    // The composer no longer sends the agent to a chat that is over (nor in red).
    document.querySelectorAll<HTMLElement>("#composer [data-live-chat]").forEach((el) => {
      el.textContent = reason;
      el.classList.replace("unusable", "muted");
    });
  }

  checkTicketStatus(): void {
    const status = document.querySelector<HTMLSelectElement>("#ticket-header select[name=status]")?.value;
    if (status === "solved" || status === "closed") this.end(this.strings.solved);
  }
}

function readStrings(): Strings | null {
  try {
    return JSON.parse(byId("chat-pane-strings")?.textContent ?? "null") as Strings | null;
  } catch {
    return null;
  }
}

/** Called whenever a ticket is shown: start the pane of a live chat, stop the previous one. */
export function syncChatPane(): void {
  const root = byId("chat-pane");
  if (current && root && current.isFor(root)) return;
  current?.stop();
  current = null;
  const ticketId = openTicketId();
  const strings = readStrings();
  if (!root || ticketId === null || !strings || Number(root.dataset.ticketId) !== ticketId) return;
  current = new ChatPane(ticketId, root, strings);
  current.start();
  current.checkTicketStatus();
}

function chatText(target: EventTarget | null): HTMLTextAreaElement | null {
  return target instanceof HTMLTextAreaElement && target.classList.contains("chat-text") ? target : null;
}

export function installChatPane(): void {
  // Enter sends, Shift+Enter is a new line; never while an input method is composing a word.
  document.body.addEventListener("keydown", (e) => {
    const text = chatText(e.target);
    if (!text || e.key !== "Enter" || e.shiftKey || e.isComposing || e.altKey) return;
    e.preventDefault();
    text.form?.requestSubmit();
  });

  document.body.addEventListener("submit", (e) => {
    const form = e.target as HTMLFormElement | null;
    if (!form?.classList.contains("chat-form")) return;
    e.preventDefault();
    const text = form.querySelector<HTMLTextAreaElement>(".chat-text");
    if (!text || !current) return;
    current.submit(text.value);
    text.value = "";
    text.focus();
  });

  document.body.addEventListener("input", (e) => {
    const text = chatText(e.target);
    if (text && current) current.typing(text.value.trim() !== "");
  });

  // Registered before the timeline's own handler: items the pane already showed (and
  // announced) are marked, so the timeline neither announces them again nor shows them twice.
  // Any swap counts: a delivery update redraws one item, which loses its sequence and receipt.
  document.body.addEventListener("htmx:afterSwap", () => current?.reconcile());

  document.body.addEventListener("htmx:afterSettle", () => current?.checkTicketStatus());

  let scrollTimer: number | undefined;
  document.addEventListener(
    "scroll",
    (e) => {
      if (e.target !== timeline() || !current) return;
      window.clearTimeout(scrollTimer);
      scrollTimer = window.setTimeout(() => current?.sendRead(), 250);
    },
    true,
  );

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !current) return;
    current.reconnectNow();
    current.sendRead();
  });
  window.addEventListener("online", () => current?.reconnectNow());
}
