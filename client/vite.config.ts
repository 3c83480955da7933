import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

/** The dev server forwards the API and the collaboration socket to the Node server (`npm run dev` at the root). */
const DEV_BACKEND_URL = "http://localhost:8080";

// Resolved from this file, not from the working directory, so `vite build` from anywhere writes client/dist.
const CLIENT_ROOT = decodeURIComponent(new URL(".", import.meta.url).pathname);

export default defineConfig({
  root: CLIENT_ROOT,
  plugins: [svelte()],
  build: {
    outDir: `${CLIENT_ROOT}dist`,
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      "/api": { target: DEV_BACKEND_URL },
      // The server checks Origin on the upgrade: in dev, add http://localhost:5173 to ALLOWED_ORIGINS.
      "/collab": { target: DEV_BACKEND_URL, ws: true },
    },
  },
});
