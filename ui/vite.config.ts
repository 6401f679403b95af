/// <reference types="vitest/config" />
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";
import { defineConfig, type UserConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// embed.js, the chat button for other websites (`vite build --mode embed`, after the pages):
// one classic script at a fixed address (dist/embed.js), self-contained, wrapped in a function
// so it leaves no global behind, and without Svelte.
const embed: UserConfig = {
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2020",
    sourcemap: false,
    minify: true,
    rolldownOptions: {
      input: here("src/embed/main.ts"),
      output: { format: "iife", entryFileNames: "embed.js" },
    },
  },
};

const pages: UserConfig = {
  // Relative asset paths: the same build works when the server mounts it at `/`, when an
  // agency proxies it under a sub-path, and inside the desktop app's custom protocol.
  base: "./",
  plugins: [svelte()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    // No inline source maps in what the server ships; the bundle stays small.
    sourcemap: false,
    rolldownOptions: {
      input: {
        dashboard: here("index.html"),
        asker: here("asker.html"),
      },
      output: {
        // The one chunk both pages share (Svelte runtime, platform, chat components).
        chunkFileNames: "assets/shared-[hash].js",
        assetFileNames: (asset) =>
          asset.names.some((n) => n.startsWith("asker") || n.startsWith("dashboard"))
            ? "assets/[name]-[hash][extname]"
            : "assets/shared-[hash][extname]",
      },
    },
  },
  server: {
    // `npm run dev` talks to a locally running server (cargo run -p pforte-server).
    proxy: {
      "/api": {
        target: process.env.PFORTE_DEV_SERVER ?? "http://127.0.0.1:8080",
        ws: true,
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
};

export default defineConfig(({ mode }) => (mode === "embed" ? embed : pages));
