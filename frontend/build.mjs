// Bundles the workspace islands (ts/main.ts → app.js), the settings area's (ts/settings.ts →
// settings.js), the rail's on every page (ts/rail.ts → rail.js: search field, presence heartbeat) and vendors htmx
// from its npm package into static/frontend/dist/, which Django's staticfiles serves.
// `node build.mjs --watch` rebuilds on change.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "static", "frontend", "dist");
mkdirSync(out, { recursive: true });
copyFileSync(join(here, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(out, "htmx.min.js"));

const options = {
  entryPoints: {
    app: join(here, "ts", "main.ts"),
    settings: join(here, "ts", "settings.ts"),
    rail: join(here, "ts", "rail.ts"),
  },
  outdir: out,
  bundle: true,
  format: "iife",
  target: ["es2020"],
  minify: true,
  sourcemap: true,
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
