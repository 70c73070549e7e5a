// The chat widget: renders in a shadow root, talks to the hub over a websocket (HTTP polling
// as fallback), and never loses a message: unsent ones wait in an outbox in localStorage and
// are resent with the same client id (the server is idempotent) until acknowledged.
import { type Key, lang, t, tz } from "./i18n";
import { css } from "./styles";

interface Config { key: string; base: string; api: string; identity: Record<string, string | undefined> | null }
interface Attachment { name: string; type: string; size: number; url: string }
interface Msg {
  type: "message"; seq: number; client_id: string; from: "visitor" | "agent" | "system"; text: string;
  agent: { name: string; avatar: string } | null; attachment: Attachment | null;
}
interface Pending { client_id: string; text: string }
type Frame = Record<string, any>;

const cfg = (window as unknown as { __hubChat: Config }).__hubChat;
const store = `hubchat:${cfg.key}`;
const saved = (name: string): string => localStorage.getItem(`${store}:${name}`) || "";
const save = (name: string, value: string): void => localStorage.setItem(`${store}:${name}`, value);

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, any> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v; // text is always text: nothing typed becomes markup
    else if (v !== false && v != null) el.setAttribute(k, v === true ? "" : String(v));
  }
  el.append(...kids);
  return el;
}

const uid = (): string => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/-/g, "");
const outbox = (): Pending[] => JSON.parse(saved("outbox") || "[]");
const setOutbox = (items: Pending[]): void => save("outbox", JSON.stringify(items));

async function api(path: string, body?: unknown, form?: FormData): Promise<Frame> {
  const init: RequestInit = { method: body || form ? "POST" : "GET", headers: { "X-Visitor-Token": saved("token") } };
  if (form) init.body = form;
  else if (body) {
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${cfg.api}/chat/api/${cfg.key}/${path}`, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || "error");
  return data;
}

// ---- DOM --------------------------------------------------------------------------------------
// A custom element, not a div: host-page rules for common tags never reach the widget's box.
const host = document.createElement("hub-chat");
const root = host.attachShadow({ mode: "open" });
const style = h("style");
const launcher = h("button", { class: "launcher", "aria-label": t.open, "aria-expanded": "false", "aria-controls": "hc-panel" });
launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16v12H7l-3 3z"/></svg>';
const heading = h("h2", { id: "hc-title", text: t.title });
// The company's logo and name (Settings → Account) head the panel; the team answering is under it.
const logo = h("img", { class: "logo", alt: "", width: "28", height: "28", hidden: true });
const subtitle = h("span", { class: "sub", hidden: true });
const transcriptBtn = h("button", { type: "button", text: t.transcript, hidden: true });
// Icons are inline SVG in the bundle: no emoji or symbol font the visitor's phone may lack.
function icon(path: string): HTMLSpanElement {
  const span = h("span", { class: "ico", "aria-hidden": "true" });
  // Constant paths only; drawn as strokes whatever the host page's CSS says about fill.
  span.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="${path}"/></svg>`;
  return span;
}
const closeBtn = h("button", { type: "button", class: "close", "aria-label": t.close }, icon("M6 6l12 12M18 6 6 18"));
// The log's role on a wrapper: on the list itself it would hide the list from screen readers.
const items = h("ol", { class: "items" });
const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.title, tabindex: "0" }, items);
const typing = h("div", { class: "typing", "aria-live": "polite" });
const notice = h("div", { class: "notice", role: "status" });
const text = h("textarea", { "aria-label": t.message, placeholder: t.placeholder, maxlength: "5000" });
const file = h("input", { type: "file", "aria-label": t.attach });
// The paperclip is Feather's (MIT).
const composer = h("form", { class: "composer" }, text, h("label", { class: "file", title: t.attach }, icon("M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"), file), h("button", { class: "send", type: "submit", text: t.send }));
const panel = h("section", { class: "panel", id: "hc-panel", role: "dialog", "aria-labelledby": "hc-title", hidden: true },
  h("header", {}, logo, h("div", { class: "titles" }, heading, subtitle), transcriptBtn, closeBtn), notice, log, typing, composer);
root.append(style, panel, launcher);

function say(key: Key | string): void {
  notice.textContent = (t as Record<string, string>)[key] || key;
}

function field(label: string, input: HTMLInputElement | HTMLTextAreaElement): HTMLLabelElement {
  return h("label", {}, h("span", { class: "meta", text: label }), input);
}

// ---- Conversation state -------------------------------------------------------------------------
let lastSeq = 0;
let agentRead = 0;
let ws: WebSocket | null = null;
let polling = 0;
let failures = 0;
let open = false;
const shown = new Map<string, HTMLLIElement>();

function render(m: Msg): void {
  if (m.seq <= lastSeq) return; // already shown: a resume and a live push may overlap
  if (m.seq > lastSeq + 1) return resume(); // a gap: ask for what is missing, in order
  lastSeq = m.seq;
  setOutbox(outbox().filter((p) => p.client_id !== m.client_id));
  const who = m.from === "visitor" ? t.you : m.agent?.name || heading.textContent || "";
  const item = shown.get(m.client_id) || h("li");
  item.className = `msg ${m.from}`;
  item.dataset.seq = String(m.seq);
  item.replaceChildren(h("span", { class: "meta", text: who }));
  if (m.agent?.avatar && /^https?:\/\//.test(m.agent.avatar)) item.prepend(h("img", { src: m.agent.avatar, alt: "", width: "20", height: "20" }));
  if (m.text) item.append(m.text);
  if (m.attachment) item.append(h("a", { href: cfg.api + m.attachment.url, download: m.attachment.name, rel: "noopener", target: "_blank", text: m.attachment.name }));
  if (!item.isConnected) items.append(item);
  shown.set(m.client_id, item);
  log.scrollTop = log.scrollHeight;
  if (m.from === "agent") {
    typing.textContent = "";
    if (open) send({ type: "read", seq: m.seq });
  }
  markRead();
}

function markRead(): void {
  for (const li of items.querySelectorAll<HTMLLIElement>(".visitor")) {
    const read = Number(li.dataset.seq) <= agentRead;
    li.querySelector(".read")?.remove();
    if (read) li.append(h("span", { class: "meta read", text: t.read }));
  }
}

function showPending(p: Pending): void {
  if (shown.has(p.client_id)) return;
  const li = h("li", { class: "msg visitor" }, h("span", { class: "meta", text: t.sending }), p.text);
  shown.set(p.client_id, li);
  items.append(li);
}

function onFrame(f: Frame): void {
  if (f.type === "message") render(f as Msg);
  else if (f.type === "synced") {
    agentRead = f.agent_read_seq;
    markRead();
    if (f.csat) showCsat(f.csat);
    flush();
  } else if (f.type === "typing") typing.textContent = f.active ? `${f.name || heading.textContent} ${t.typing}` : "";
  else if (f.type === "read") { agentRead = Math.max(agentRead, f.seq); markRead(); }
  else if (f.type === "status" && f.csat) showCsat(f.csat);
  else if (f.type === "error") {
    say(f.code);
    if (f.code === "rate_limited") setTimeout(flush, 5000);
  }
}

function send(frame: Frame): boolean {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function resume(): void {
  if (!send({ type: "resume", after: lastSeq }) && polling) poll();
}

let flushing = false;
async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    for (const p of outbox()) {
      showPending(p);
      if (send({ type: "message", ...p })) continue;
      if (!polling) break;
      // Over HTTP one at a time, so the messages keep the order they were written in.
      render((await api("messages", { ...p, lang, tz })).message);
    }
  } catch (e) {
    say((e as Error).message);
  } finally {
    flushing = false;
  }
}

function connect(): void {
  const url = new URL(`/ws/chat/visitor/${cfg.key}/`, cfg.api.replace(/^http/, "ws"));
  url.searchParams.set("token", saved("token"));
  url.searchParams.set("lang", lang);
  url.searchParams.set("tz", tz);
  const socket = new WebSocket(url);
  ws = socket;
  let opened = false;
  socket.onopen = () => {
    opened = true;
    failures = 0;
    notice.textContent = "";
    if (polling) { clearInterval(polling); polling = 0; }
    resume();
  };
  socket.onmessage = (e) => onFrame(JSON.parse(e.data));
  socket.onclose = () => {
    if (ws !== socket) return;
    ws = null;
    failures = opened ? 1 : failures + 1;
    if (failures > 1) say("reconnecting");
    // After repeated failures to connect at all (a proxy that blocks websockets), poll over HTTP.
    if (failures >= 3 && !polling) { polling = window.setInterval(poll, 3000); poll(); }
    setTimeout(connect, Math.min(10000, 500 * 2 ** Math.min(failures, 5)));
  };
}

async function poll(): Promise<void> {
  try {
    const r = await api(`messages?after=${lastSeq}`);
    r.messages.forEach(render);
    onFrame({ type: "synced", agent_read_seq: r.agent_read_seq, csat: r.csat });
  } catch (e) {
    say((e as Error).message);
  }
}

// ---- Forms ------------------------------------------------------------------------------------------
let lastTyping = 0;
let typingTimer = 0;
text.addEventListener("input", () => {
  if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); send({ type: "typing", active: true }); }
  clearTimeout(typingTimer);
  typingTimer = window.setTimeout(() => { lastTyping = 0; send({ type: "typing", active: false }); }, 4000);
});
text.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); }
});
composer.addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = text.value.trim();
  const chosen = file.files?.[0];
  if (chosen) {
    const form = new FormData();
    form.append("client_id", uid());
    form.append("text", body);
    form.append("file", chosen);
    form.append("lang", lang);
    form.append("tz", tz);
    try { render((await api("messages", undefined, form)).message); text.value = ""; } catch (err) { say((err as Error).message); }
    file.value = "";
    return;
  }
  if (!body) return;
  const p = { client_id: uid(), text: body };
  setOutbox([...outbox(), p]);
  text.value = "";
  flush();
});

function replaceComposer(form: HTMLFormElement): void {
  panel.querySelector("form:not(.composer)")?.remove();
  composer.hidden = true;
  panel.append(form);
}

function contactForm(offline: boolean, fields: { name: string; required?: boolean }[]): void {
  const name = h("input", { name: "name", autocomplete: "name" });
  const email = h("input", { name: "email", type: "email", autocomplete: "email", required: offline || fields.some((f) => f.name === "email" && f.required) });
  const body = h("textarea", { name: "message", required: true });
  const kids: Node[] = [h("p", { text: offline ? t.offline : t.prechat }), field(t.name, name), field(t.email, email)];
  if (offline) kids.push(field(t.message, body));
  const form = h("form", { class: "stack" }, ...kids, h("button", { class: "send", type: "submit", text: offline ? t.leave : t.start }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    try {
      if (offline) {
        await api("offline", { name: name.value, email: email.value, text: body.value, client_id: uid(), lang, tz });
        form.replaceChildren(h("p", { role: "status", text: t.left }));
        return;
      }
      await api("contact", { name: name.value, email: email.value, lang, tz });
      save("contact", "1");
      form.remove();
      composer.hidden = false;
      transcriptBtn.hidden = !email.value;
      connect();
      text.focus();
    } catch (err) {
      say((err as Error).message);
    }
  });
  replaceComposer(form);
}

/** The survey at a solved chat's end, on the account's scale: "nps" asks 0–10 whether the visitor
 * would recommend the company, anything else (true from an older hub) 1–5 stars. */
function showCsat(scale: unknown): void {
  if (panel.querySelector(".csat")) return;
  const nps = scale === "nps";
  const question = nps ? t.nps : t.csat;
  const stars = h("fieldset", { class: nps ? "stars nps" : "stars" }, h("legend", { class: "sr", text: question }));
  for (let n = nps ? 0 : 1; n <= (nps ? 10 : 5); n++) {
    const label = nps ? `${n} ${t.npsOf}` : `${n} ${t.stars}`;
    stars.append(h("label", {}, h("input", { type: "radio", name: "rating", value: String(n), required: true }), h("span", { "aria-label": label, text: nps ? String(n) : "★".repeat(n) })));
  }
  const ends = nps ? h("p", { class: "meta nps-ends", "aria-hidden": "true" }, h("span", { text: t.npsLow }), h("span", { text: t.npsHigh })) : "";
  const comment = h("textarea", { name: "comment" });
  const form = h("form", { class: "stack csat" }, h("p", { text: question }), stars, ends, field(t.csatComment, comment), h("button", { class: "send", type: "submit", text: t.csatSend }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = new FormData(form).get("rating");
    if (chosen === null) return;
    try {
      await api("csat", { rating: Number(chosen), comment: comment.value, scale: nps ? "nps" : "csat" });
      form.replaceChildren(h("p", { role: "status", text: t.csatThanks }));
      // The conversation ended: the next message starts a new one.
      ws?.close();
      setTimeout(() => { form.remove(); composer.hidden = false; items.replaceChildren(); shown.clear(); lastSeq = 0; }, 3000);
    } catch (err) {
      say((err as Error).message);
    }
  });
  replaceComposer(form);
}

transcriptBtn.addEventListener("click", () => api("transcript", {}).then(() => say("transcriptSent"), (e) => say(e.message)));

function toggle(show: boolean): void {
  open = show;
  panel.hidden = !show;
  host.toggleAttribute("data-open", show); // a phone's full-screen panel hides the launcher
  launcher.setAttribute("aria-expanded", String(show));
  launcher.setAttribute("aria-label", show ? t.close : t.open);
  if (show) {
    (panel.querySelector<HTMLElement>("form:not([hidden]) input, form:not([hidden]) textarea") || text).focus();
    if (lastSeq) send({ type: "read", seq: lastSeq });
  } else launcher.focus();
}
launcher.addEventListener("click", () => toggle(!open));
closeBtn.addEventListener("click", () => toggle(false));
panel.addEventListener("keydown", (e) => { if (e.key === "Escape") toggle(false); });

// ---- Start --------------------------------------------------------------------------------------------
function brandHeader(brand: { name?: string; logo?: string }, team: string): void {
  heading.textContent = brand.name || team;
  if (brand.name && team && team !== brand.name) {
    subtitle.textContent = team;
    subtitle.hidden = false;
  }
  // Only an http(s) address of the hub: never a javascript: or data: URL from a tampered answer.
  if (brand.logo && /^https?:\/\//.test(brand.logo)) {
    logo.src = brand.logo;
    logo.hidden = false;
  }
}

async function start(): Promise<void> {
  const r = await api("start", { token: saved("token"), lang, tz, identity: cfg.identity });
  save("token", r.token);
  style.textContent = css(r.widget.colour);
  brandHeader(r.widget.brand || {}, r.widget.team || r.widget.name);
  const greeting = r.widget.greeting[lang] || r.widget.greeting.de || t.greeting;
  items.append(h("li", { class: "msg system", text: greeting }));
  document.body.append(host);
  const fields = r.widget.prechat_fields as { name: string; required?: boolean }[];
  const known = r.session || r.identity || saved("contact");
  transcriptBtn.hidden = !(r.session?.email || r.identity?.email);
  if (!r.online && !r.session) contactForm(true, fields);
  else if (fields.length && !known) contactForm(false, fields);
  else connect();
}

start().catch(() => undefined);
