/** The SMS counter under the composer when the reply goes out by SMS: characters, parts and
 * encoding as the agent types. Counted exactly as the server counts (channels_phone/segments.py):
 * GSM-7 (160 in one SMS, 153 per part; the extension table costs two septets and is never split)
 * or, with any other character, UCS-2 (70 / 67 UTF-16 units; a surrogate pair costs two and is
 * never split). */

const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("^{}\\[~]|€\f");
const LIMITS = { "GSM-7": [160, 153], "UCS-2": [70, 67] } as const;

export interface Segments {
  encoding: "GSM-7" | "UCS-2";
  count: number;
  units: number;
  characters: number;
}

/** The segments ``text`` is sent as; iterates code points, as Python iterates a str. */
export function segments(text: string): Segments {
  const chars = Array.from(text);
  const gsm = chars.every((c) => GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c));
  const encoding = gsm ? "GSM-7" : "UCS-2";
  const costs = chars.map((c) => (gsm ? (GSM7_EXTENSION.has(c) ? 2 : 1) : c.codePointAt(0)! > 0xffff ? 2 : 1));
  const units = costs.reduce((a, b) => a + b, 0);
  const [single, part] = LIMITS[encoding];
  let count = units === 0 ? 0 : 1;
  if (units > single) {
    let used = 0;
    for (const cost of costs) {
      if (used + cost > part) {
        count += 1;
        used = 0;
      }
      used += cost;
    }
  }
  return { encoding, count, units, characters: chars.length };
}

/** Redraw ``#composer-sms`` (present only when the reply goes out by SMS) from the textarea. */
export function updateSmsCount(): void {
  const out = document.getElementById("composer-sms");
  const text = document.getElementById("composer-text") as HTMLTextAreaElement | null;
  if (!out || !text) return;
  // A note goes nowhere: no SMS to count.
  out.hidden = document.getElementById("composer")?.classList.contains("mode-note") ?? false;
  const found = segments(text.value);
  const template = (found.characters === 1 ? out.dataset.one : out.dataset.many) ?? "";
  out.textContent = template
    .replace("{chars}", String(found.characters))
    .replace("{sms}", String(found.count))
    .replace("{encoding}", found.encoding === "GSM-7" ? "GSM-7" : (out.dataset.unicode ?? "Unicode"));
  out.dataset.count = String(found.count);
  out.dataset.encoding = found.encoding;
}

export function installSmsCount(): void {
  document.body.addEventListener("input", (e) => {
    if ((e.target as Element | null)?.id === "composer-text") updateSmsCount();
  });
  updateSmsCount();
}
