import { defineConfig } from "vitest/config";

/**
 * Unit tests of the bench's pure parts. Run with `npx vitest run --config bench/vitest.config.ts`
 * until the root config's unit project includes `bench/**\/*.test.ts`.
 */
export default defineConfig({
  test: { name: "bench", root: new URL(".", import.meta.url).pathname, include: ["lib/**/*.test.ts"], environment: "node" },
});
