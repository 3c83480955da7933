import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { configFromEnv } from "../src/config.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const Compose = z.object({
  services: z.object({
    app: z.object({
      build: z.unknown(),
      environment: z.record(z.string(), z.string()),
      ports: z.array(z.string()),
      depends_on: z.record(z.string(), z.object({ condition: z.string() })),
    }),
    postgres: z.object({ image: z.string().startsWith("postgres") }),
    redis: z.object({ image: z.string().startsWith("redis") }),
  }),
});

describe("deployment files", () => {
  it("[OPS1] docker-compose.yml runs app + postgres + redis, and the app's environment is valid config", async () => {
    const compose = Compose.parse(parse(await readFile(path.join(root, "docker-compose.yml"), "utf8")));
    const env = compose.services.app.environment;
    expect(env["DATABASE_URL"]).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(env["REDIS_URL"]).toMatch(/^redis:\/\/redis:6379/);
    const config = configFromEnv(env);
    expect(config.port).toBe(8080);
    expect(compose.services.app.ports).toContain("8080:8080");
    expect(Object.keys(compose.services.app.depends_on).sort()).toEqual(["postgres", "redis"]);
  });
  it("[OPS2] the Dockerfile builds the client and starts the server entry point", async () => {
    const dockerfile = await readFile(path.join(root, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/server\/src\/main\.ts/);
  });
});
