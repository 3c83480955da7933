import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

/**
 * Three projects, all run by `npm test`:
 *  - unit: pure modules (shared/, client logic, server pure helpers) — no services.
 *  - integration: real server on port 0, real providers, PGlite and (when reachable) real Postgres/Redis.
 *  - e2e: real Chromium against a real server (skipped with a reason when Chromium is absent, never in CI).
 */
export default defineConfig({
  test: {
    // One test file at a time across all projects: the fault, soak and browser suites measure recovery
    // on a 2-core machine, and running them side by side turned timing margins into flakes.
    fileParallelism: false,
    maxWorkers: 1,
    projects: [
      {
        test: {
          name: "unit",
          include: ["shared/src/**/*.test.ts", "server/src/**/*.test.ts", "client/src/**/*.test.ts", "bench/lib/**/*.test.ts"],
          environment: "node",
        },
        // Client state classes (`*.svelte.ts`) use runes: compile them as the app does, so their own logic
        // (DmEditor's writes and undo) is tested in memory. No component is rendered here.
        plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
      },
      {
        test: {
          name: "integration",
          // Run the server as in production: better-auth skips its CSRF origin check under NODE_ENV=test.
          env: { NODE_ENV: "production" },
          include: ["server/test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
