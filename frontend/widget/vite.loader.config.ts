import { resolve } from "node:path";
import { defineConfig } from "vite";

// Output beside the Django app that serves it (gitignored); the loader keeps its public name.
export const outDir = resolve(__dirname, "../../channels_chat/static/chatwidget");

export default defineConfig({
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2019",
    lib: { entry: resolve(__dirname, "src/loader.ts"), formats: ["iife"], name: "HubChatLoader", fileName: () => "widget.js" },
  },
});
