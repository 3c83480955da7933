import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

/** The dev server forwards the API and the collaboration socket to the Node server (`npm run dev` at the root). */
const DEV_BACKEND_URL = "http://localhost:8080";

// Resolved from this file, not from the working directory, so `vite build` from anywhere writes client/dist.
const CLIENT_ROOT = decodeURIComponent(new URL(".", import.meta.url).pathname);

// HDR2: no source maps in a production build unless asked for (`SOURCEMAP=true npm run build`); the e2e build keeps them.
export default defineConfig(({ mode }) => ({
  root: CLIENT_ROOT,
  plugins: [svelte()],
  build: {
    outDir: `${CLIENT_ROOT}dist`,
    emptyOutDir: true,
    sourcemap: mode === "test" || process.env["SOURCEMAP"] === "true",
  },
  server: {
    proxy: {
      "/api": { target: DEV_BACKEND_URL },
      // The server checks Origin on the upgrade: in dev, add http://localhost:5173 to ALLOWED_ORIGINS.
      "/collab": { target: DEV_BACKEND_URL, ws: true },
    },
  },
}));
