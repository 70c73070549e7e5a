/** SLA countdowns ("fällig in 1 Std. 20 Min." → "überfällig seit 2 Min."): the header's clocks
 * and the inbox rows' chips tick every second without asking the server.
 *
 * Each countdown carries the seconds left when the server rendered it (`data-sla-left`); the
 * island counts from the moment it first saw that element, so a wrong clock on the agent's
 * machine does not matter. Regions are swapped by htmx and live updates all the time: every
 * tick looks the countdowns up afresh, and an element it has not seen before starts its own
 * count. The words come from the page (`#sla-words`, `frontend/sla.py`), formatted exactly as
 * the server formats them. */

interface SlaWords {
  units: Record<"d" | "h" | "min" | "s", string>;
  phrases: Record<"due" | "over" | "short_due" | "short_over", string>;
}

const STATES = ["sla-ok", "sla-warning", "sla-breached", "sla-paused", "sla-met"];
const seenAt = new WeakMap<HTMLElement, number>();
let words: SlaWords | null = null;

function loadWords(): SlaWords | null {
  if (words) return words;
  const el = document.getElementById("sla-words");
  if (!el?.textContent) return null;
  try {
    words = JSON.parse(el.textContent) as SlaWords;
  } catch {
    words = null;
  }
  return words;
}

const unit = (pattern: string, n: number): string => pattern.replace("%(n)d", String(n));

/** The two largest units of a span, rounded down: `duration` in frontend/sla.py. */
export function duration(seconds: number, units: SlaWords["units"]): string {
  const s = Math.floor(Math.abs(seconds));
  const parts: string[] = [];
  if (s >= 86_400) {
    const hours = Math.floor((s % 86_400) / 3600);
    parts.push(unit(units.d, Math.floor(s / 86_400)));
    if (hours) parts.push(unit(units.h, hours));
  } else if (s >= 3600) {
    const minutes = Math.floor((s % 3600) / 60);
    parts.push(unit(units.h, Math.floor(s / 3600)));
    if (minutes) parts.push(unit(units.min, minutes));
  } else if (s >= 60) {
    parts.push(unit(units.min, Math.floor(s / 60)));
  } else {
    parts.push(unit(units.s, s));
  }
  return parts.join(" ");
}

function tick(): void {
  const w = loadWords();
  if (!w) return;
  const now = Date.now();
  document.querySelectorAll<HTMLElement>("[data-sla-left]").forEach((el) => {
    let first = seenAt.get(el);
    if (first === undefined) {
      first = now;
      seenAt.set(el, now);
    }
    const rendered = Number(el.dataset.slaLeft);
    if (!Number.isFinite(rendered)) return;
    // Seconds elapsed are counted down whole, as the server rounds: 59.9 s left reads "59 s".
    const left = rendered - Math.floor((now - first) / 1000);
    const short = el.dataset.slaForm === "short";
    const key = (short ? "short_" : "") + (left >= 0 ? "due" : "over");
    const text = w.phrases[key as keyof SlaWords["phrases"]].replace("%(time)s", duration(left, w.units));
    if (el.textContent !== text) el.textContent = text;
    if (left < 0) {
      // Past its due time the clock is breached, whether or not the server has said so yet.
      const chip = el.closest<HTMLElement>(".sla-clock, .sla-chip");
      if (chip && !chip.classList.contains("sla-breached")) {
        chip.classList.remove(...STATES);
        chip.classList.add("sla-breached");
        chip.querySelector(".sla-flag")?.remove();
      }
    }
  });
}

export function installSla(): void {
  tick();
  window.setInterval(tick, 1000);
  // A swapped region shows its countdowns' own text at once; the next tick keeps them going.
  document.body.addEventListener("htmx:afterSettle", tick);
}
