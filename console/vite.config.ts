// The console is served at /console/ on the API's own origin, so every asset URL carries that base.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    // Hashed file names: the gateway serves them as immutable, index.html is never cached.
    assetsDir: "assets",
    // No inline module-preload polyfill: the CSP forbids inline scripts.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
