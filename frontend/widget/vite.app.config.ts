import { resolve } from "node:path";
import { defineConfig } from "vite";

import { outDir } from "./vite.loader.config";

export default defineConfig({
  build: {
    outDir,
    emptyOutDir: false,
    target: "es2019",
    lib: { entry: resolve(__dirname, "src/widget.ts"), formats: ["iife"], name: "HubChat", fileName: () => "widget-app.js" },
  },
});
