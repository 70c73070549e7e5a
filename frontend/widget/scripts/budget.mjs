// Fails the build when a bundle outgrows its gzip budget (issue 4: loader 5 KB, widget 30 KB).
import { readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const out = resolve(dirname(fileURLToPath(import.meta.url)), "../../../channels_chat/static/chatwidget");
const budgets = { "widget.js": 5 * 1024, "widget-app.js": 30 * 1024 };
let failed = false;
for (const [name, limit] of Object.entries(budgets)) {
  const size = gzipSync(readFileSync(resolve(out, name)), { level: 9 }).length;
  const ok = size <= limit;
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "OVER"} ${name}: ${size} B gzipped (budget ${limit} B)`);
}
if (failed) {
  console.error("bundle budget exceeded");
  process.exit(1);
}
