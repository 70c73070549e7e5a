/** The bell in the navigation rail: its unread count (re-rendered by the server when the
 * agent's socket says `notification`), a non-modal dialog with the newest notifications
 * (focus moves in on open and back to the bell on Escape or close), browser notifications
 * for agents who turned them on, and a short generated tone for new chats (WebAudio: no
 * file to load; the audio is unlocked by the agent's first click or key on the page).
 * Without this island the bell is a link to the notifications' own page. */

import { announce, byId, refresh } from "./dom";

const PANEL_ID = "notification-panel";
let lastSeenId = 0;
let audio: AudioContext | null = null;

const bellButton = (): HTMLAnchorElement | null => byId<HTMLAnchorElement>("bell-button");
const panel = (): HTMLElement | null => byId(PANEL_ID);

/** The link becomes the dialog's opener (it stays a link to the page for a middle click). */
function dress(bell: HTMLAnchorElement | null): void {
  if (!bell) return;
  bell.setAttribute("role", "button");
  bell.setAttribute("aria-haspopup", "dialog");
  bell.setAttribute("aria-controls", PANEL_ID);
  bell.setAttribute("aria-expanded", String(!(panel()?.hidden ?? true)));
}

/** The panel comes in the rail's markup but lives outside the rail once the page runs: a live
 * refresh of the rail (its view counts) would otherwise replace an open panel by a closed one. */
function adoptPanel(): void {
  const found = Array.from(document.querySelectorAll<HTMLElement>(`#${PANEL_ID}`));
  const kept = found.find((p) => p.parentElement === document.body) ?? found[0];
  if (!kept) return;
  if (kept.parentElement !== document.body) document.body.appendChild(kept);
  for (const other of found) if (other !== kept) other.remove();
}

function isOpen(): boolean {
  return !(panel()?.hidden ?? true);
}

async function loadPanel(): Promise<void> {
  const box = panel();
  const bell = bellButton();
  if (!box || !bell) return;
  await htmx.ajax("GET", bell.getAttribute("href") ?? "", { target: box, swap: "innerHTML" });
}

async function open(): Promise<void> {
  const box = panel();
  if (!box) return;
  box.hidden = false;
  dress(bellButton());
  await loadPanel();
  const first = box.querySelector<HTMLElement>(".notification-open") ?? box;
  first.focus();
}

function close(returnFocus: boolean): void {
  const box = panel();
  if (!box || box.hidden) return;
  box.hidden = true;
  dress(bellButton());
  if (returnFocus) bellButton()?.focus();
}

/** The bell asks the server again: a new notification, or some were read elsewhere. */
export function refreshBell(): void {
  // Through `refresh`: a second notification while the first one's bell is being set up still counts.
  refresh("bell-button");
  if (isOpen()) void loadPanel();
}

function afterBellSwap(): void {
  const bell = bellButton();
  if (!bell) return;
  dress(bell);
  const latest = Number(bell.dataset.latestId || 0);
  if (latest > lastSeenId) {
    const text = bell.dataset.latestText ?? "";
    if (lastSeenId > 0) {
      announce(text);
      showInBrowser(bell, text);
    }
    lastSeenId = latest;
  }
}

function showInBrowser(bell: HTMLElement, text: string): void {
  if (!bell.dataset.browser || !("Notification" in window) || Notification.permission !== "granted") return;
  const shown = new Notification(text, { tag: `hub-${bell.dataset.latestId}` });
  const url = bell.dataset.latestUrl;
  shown.addEventListener("click", () => {
    window.focus();
    if (url) window.location.assign(url);
  });
}

/** A short two-note tone, made on the spot; none before the page may sound. */
export function beep(): void {
  // A context not yet allowed to play (no click or key on this page) keeps its clock still:
  // tones made now would all sound at once on the first click. Ask again, and stay silent.
  if (audio?.state !== "running") {
    void audio?.resume();
    return;
  }
  const now = audio.currentTime;
  [880, 1320].forEach((frequency, i) => {
    if (!audio) return;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, now + i * 0.15);
    gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.15 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.15 + 0.14);
    tone.connect(gain).connect(audio.destination);
    tone.start(now + i * 0.15);
    tone.stop(now + i * 0.15 + 0.15);
  });
}

/** A new chat on a ticket the agent sees: ring if they asked for it (tab in front or not). */
export function onNewChat(): void {
  const bell = bellButton();
  if (!bell?.dataset.chatSound) return;
  try {
    beep();
  } catch {
    // No audio in this browser: the list still shows the chat.
  }
  if (document.visibilityState !== "visible" && bell.dataset.browser && "Notification" in window) {
    if (Notification.permission === "granted") new Notification(bell.dataset.newChat ?? "");
  }
}

// A phone rings again and again: a call's tone repeats this often until its pop-up goes, or at
// most this long (a reconnect may have missed the event that the call was answered).
const RING_EVERY_MS = 3000;
const RING_AT_MOST_MS = 45_000;

/**
 * A call rings on the agent's team (UX.md 6: calls ring even with the tab in front): the tone now
 * and every few seconds, if the agent wants sound; returns what stops it.
 *
 * An agent with the workspace open in several tabs hears one phone, not one per tab: the tab
 * that may sound takes the call's lock (Web Locks, shared by the tabs of this browser) and rings
 * while it holds it; the others show the pop-up silently. Where the browser has no Web Locks
 * (plain http off localhost), every tab rings, as a phone per tab is better than none.
 */
export function ringCall(call: number): () => void {
  if (!bellButton()?.dataset.chatSound) return () => undefined;
  let timer = 0;
  let limit = 0;
  let release: (() => void) | null = null;
  let stopped = false;
  const once = (): void => {
    try {
      beep();
    } catch {
      // No audio in this browser: the pop-up still shows the call.
    }
  };
  const stop = (): void => {
    stopped = true;
    window.clearInterval(timer);
    window.clearTimeout(limit);
    release?.();
    release = null;
  };
  const ring = (): void => {
    once();
    timer = window.setInterval(once, RING_EVERY_MS);
    limit = window.setTimeout(stop, RING_AT_MOST_MS);
  };
  if (!("locks" in navigator) || soundBlocked()) {
    // A tab that may not sound yet rings without the lock, silent until the agent clicks on it:
    // holding the lock, it would keep a tab that can sound from ringing.
    ring();
    return stop;
  }
  void navigator.locks.request(`hub-ring-${call}`, { ifAvailable: true }, (lock) => {
    if (!lock || stopped) return undefined; // another tab rings this call, or it is over already
    ring();
    return new Promise<void>((done) => {
      release = done; // held while this tab rings
    });
  });
  return stop;
}

/** "Ton testen": a click, so the page may sound; once the context runs, the tone. */
async function testSound(): Promise<void> {
  try {
    audio ??= new AudioContext();
    await audio.resume();
    beep();
  } catch {
    /* no WebAudio */
  }
}

function unlockAudio(): void {
  // Browsers start audio only after a gesture: make (or resume) the context on the first one.
  try {
    audio ??= new AudioContext();
    void audio.resume().then(() => {
      // The page may sound now: the pop-ups' "sound is off" lines are no longer true.
      document.querySelectorAll(".sound-off").forEach((line) => line.remove());
    });
  } catch {
    /* no WebAudio */
  }
}

/** The agent wants sound but this page may not make any yet (no click or key on it so far). */
export function soundBlocked(): boolean {
  return Boolean(bellButton()?.dataset.chatSound) && audio?.state !== "running";
}

async function askPermission(button: HTMLElement): Promise<void> {
  const status = document.querySelector<HTMLElement>("[data-notification-permission]");
  let answer: string;
  if (!("Notification" in window)) answer = button.dataset.unsupported ?? "";
  else {
    const permission = await Notification.requestPermission();
    answer = (permission === "granted" ? button.dataset.granted : button.dataset.denied) ?? "";
  }
  if (status) status.textContent = answer;
}

export function installBell(): void {
  lastSeenId = Number(bellButton()?.dataset.latestId || 0);
  adoptPanel();
  dress(bellButton());
  document.addEventListener("click", (e) => {
    const target = e.target as Element | null;
    if (target?.closest("#bell-button") && !(e as MouseEvent).ctrlKey && !(e as MouseEvent).metaKey) {
      e.preventDefault();
      if (isOpen()) close(true);
      else void open();
    } else if (target?.closest("[data-close-notifications]")) {
      close(true);
    } else if (target?.closest("[data-ask-notifications]")) {
      void askPermission(target.closest<HTMLElement>("[data-ask-notifications]") as HTMLElement);
    } else if (target?.closest("[data-test-sound]")) {
      void testSound();
    } else if (isOpen() && !target?.closest(`#${PANEL_ID}`)) {
      close(false);
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && isOpen() && (e.target as Element | null)?.closest(`#${PANEL_ID}, #bell-button`)) {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  });
  for (const gesture of ["pointerdown", "keydown"]) document.addEventListener(gesture, unlockAudio, { once: true });
  document.body.addEventListener("htmx:afterSwap", () => adoptPanel());
  document.body.addEventListener("htmx:afterSettle", () => afterBellSwap());
  document.body.addEventListener("hub:notifications-read", () => refreshBell());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshBell();
  });
}
