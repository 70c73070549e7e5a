/** Away when idle (UX.md, section 6): the presence heartbeat (frontend/regions/presence.html,
 * every minute) says how long this tab has seen no keyboard or mouse input; the server sets an
 * agent idle for the account's minutes away (hub.actions.presence.do_seen). Back at the desk,
 * the first input beats at once, and a workspace the hub had set away is online again. Each beat
 * says what the control shows, and the answer redraws it if that is not the agent's presence. */

import { byId } from "./dom";

// Pointer moves come in bursts: one look at the clock per this many ms is enough.
const MOVE_EVERY_MS = 2_000;
// At most one early beat per this many ms, however much the agent types.
const EARLY_EVERY_MS = 10_000;

// The page's loading counts as the start of idleness, not as the agent being back: only real
// input since (``hadInput``) brings back an agent the hub set away.
let lastInput = Date.now();
let hadInput = false;
let lastEarly = 0;
let beats = 0;

function onInput(): void {
  const now = Date.now();
  lastInput = now;
  hadInput = true;
  const form = byId("presence");
  if (!form?.dataset.auto || now - lastEarly < EARLY_EVERY_MS) return;
  const beat = byId("presence-beat");
  if (!beat) return;
  lastEarly = now;
  htmx.trigger(beat, "presence:beat");
}

export function installPresence(): void {
  for (const type of ["keydown", "pointerdown", "wheel", "touchstart"]) {
    document.addEventListener(type, onInput, { capture: true, passive: true });
  }
  document.addEventListener(
    "pointermove",
    () => {
      if (Date.now() - lastInput > MOVE_EVERY_MS) onInput();
    },
    { capture: true, passive: true },
  );
  document.body.addEventListener("htmx:configRequest", (e) => {
    const detail = (e as CustomEvent<HtmxConfigRequestDetail>).detail;
    if (detail.elt.id !== "presence-beat") return;
    const params = detail.parameters as Record<string, unknown>;
    beats += 1;
    // The beat soon after loading says only that the page is open: its idle time would be the
    // moment the page loaded, which the next beats say anyway.
    if (beats > 1 || hadInput) params.idle = String(Math.max(0, Math.floor((Date.now() - lastInput) / 1000)));
    if (hadInput) params.input = "1";
    params.shown = byId("presence")?.dataset.shown ?? "";
  });
}

/** The presence changed (another tab, the API, the hub): the heartbeat brings the control up to date. */
export function presenceChanged(): void {
  const beat = byId("presence-beat");
  if (beat) htmx.trigger(beat, "presence:beat");
}
