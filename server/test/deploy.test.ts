import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { dmDocName } from "@hexcrawl/shared/docNames";
import { DmMap } from "@hexcrawl/shared/model";
import { configFromEnv } from "../src/config.ts";
import { createTestStore, postgresReachable } from "./support/app.ts";
import { HttpUser, uniqueEmail } from "./support/http.ts";
import { connectClient } from "./support/providers.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The Node LTS line production runs on (the Dockerfile's image). */
const PRODUCTION_NODE_MAJOR = 24;
/** Node strips TypeScript types itself ("strip" from 22.18 on, by default); undefined/false before. */
const STRIPS_TYPES = Boolean((process.features as { typescript?: string | false }).typescript);
const START_TIMEOUT_MS = 60_000;
/** Like production (docker-compose.yml): a real Postgres when there is one (always in CI), else the embedded one. */
const STORE = (await postgresReachable()) ? "postgres" : "pglite";

const Compose = z.object({
  services: z.object({
    app: z.object({
      build: z.union([z.literal("."), z.object({ context: z.literal("."), dockerfile: z.literal("Dockerfile").optional() })]),
      environment: z.record(z.string(), z.string()),
      ports: z.array(z.string()),
      depends_on: z.record(z.string(), z.object({ condition: z.string() })),
    }),
    postgres: z.object({ image: z.string().startsWith("postgres") }),
    redis: z.object({ image: z.string().startsWith("redis") }),
  }),
});

const PackageJson = z.object({ engines: z.object({ node: z.string() }) });

/** The minimum Node major of a `>=N` engines range (the only form this project and Hocuspocus use). */
function minMajor(range: string): number {
  const m = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(range.trim());
  if (!m?.[1]) throw new Error(`engines.node ${JSON.stringify(range)} is not of the form ">=N"`);
  return Number(m[1]);
}

/** The Dockerfile's base images and its CMD (exec form), or null when there is no single exec-form CMD. */
function parseDockerfile(text: string): { from: string[]; cmd: string[] | null } {
  const lines = text.split("\n").map((l) => l.trim());
  const from = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.replace(/^FROM\s+/i, "").split(/\s+/)[0] ?? "");
  const cmds = lines.filter((l) => /^CMD\s/i.test(l)).map((l) => l.replace(/^CMD\s+/i, ""));
  if (cmds.length !== 1) return { from, cmd: null };
  try {
    return { from, cmd: z.array(z.string()).parse(JSON.parse(cmds[0] ?? "")) };
  } catch {
    return { from, cmd: null };
  }
}

const dockerfileText = await readFile(path.join(root, "Dockerfile"), "utf8");
const dockerfile = parseDockerfile(dockerfileText);

describe("deployment files", () => {
  it("[OPS1] docker-compose.yml builds the app from the Dockerfile and runs it with postgres + redis; the app's environment is valid config", async () => {
    const compose = Compose.parse(parse(await readFile(path.join(root, "docker-compose.yml"), "utf8")));
    const env = compose.services.app.environment;
    expect(env["DATABASE_URL"]).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(env["REDIS_URL"]).toMatch(/^redis:\/\/redis:6379/);
    const config = configFromEnv(env);
    expect(config.port).toBe(8080);
    expect(compose.services.app.ports).toContain("8080:8080");
    expect(Object.keys(compose.services.app.depends_on).sort()).toEqual(["postgres", "redis"]);
  });

  it(`[OPS2] the Dockerfile is on Node ${PRODUCTION_NODE_MAJOR} LTS, builds the client and starts server/src/main.ts with plain node (no tsx)`, async () => {
    const instructions = dockerfileText.split("\n").filter((l) => !l.trim().startsWith("#"));
    expect(dockerfileText).toMatch(/npm ci/);
    expect(dockerfileText).toMatch(/npm run build/);
    expect(dockerfile.from).toHaveLength(1);
    expect(dockerfile.from[0]).toMatch(new RegExp(`^node:${PRODUCTION_NODE_MAJOR}(\\.\\d+){0,2}-`));
    expect(dockerfile.cmd).toEqual(["node", "server/src/main.ts"]);
    expect(instructions).not.toContainEqual(expect.stringMatching(/tsx/));
    // The declared minimum is what Hocuspocus declares (no EBADENGINE on a supported Node), and production meets it.
    const ours = minMajor(PackageJson.parse(JSON.parse(await readFile(path.join(root, "package.json"), "utf8"))).engines.node);
    const hocuspocus = PackageJson.parse(JSON.parse(await readFile(path.join(root, "node_modules/@hocuspocus/server/package.json"), "utf8")));
    expect(ours).toBeGreaterThanOrEqual(minMajor(hocuspocus.engines.node));
    expect(PRODUCTION_NODE_MAJOR).toBeGreaterThanOrEqual(ours);
    // Nothing from the host's install or data goes into the image.
    const ignored = (await readFile(path.join(root, ".dockerignore"), "utf8")).split("\n").map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", ".tmp", "data"]));
  });

  // What runs the server from its TypeScript sources on the Node running this suite (CI runs it on Node 20
  // and on Node 24): the `npm start` launcher always; the Dockerfile's CMD where Node strips types itself.
  const starts: Array<[string, string[]]> = [["server/start.mjs (npm start)", ["server/start.mjs"]]];
  if (STRIPS_TYPES) starts.push(["the Dockerfile's CMD", dockerfile.cmd?.[0] === "node" ? dockerfile.cmd.slice(1) : ["(no `node …` CMD)"]]);

  it.each(starts)(
    `[OPS3] %s starts the server on Node ${process.version} (${STRIPS_TYPES ? "its own type stripping" : "tsx"}): health, sign-up, campaign, DM document; SIGTERM stops it cleanly (${STORE})`,
    async (_name, args) => {
      const store = await createTestStore(STORE);
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", HOST: "127.0.0.1", NODE_ENV: "production" };
      for (const name of ["DATABASE_URL", "DATA_DIR", "REDIS_URL", "PUBLIC_URL", "ALLOWED_ORIGINS"]) delete env[name];
      if (store.options.databaseUrl) env["DATABASE_URL"] = store.options.databaseUrl;
      if (store.options.dataDir) env["DATA_DIR"] = store.options.dataDir;
      const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no start-up line in ${START_TIMEOUT_MS} ms:\n${out}\n${err}`)), START_TIMEOUT_MS);
          child.stdout.on("data", () => {
            const m = /running at http:\/\/localhost:(\d+)/.exec(out);
            if (!m) return;
            clearTimeout(timer);
            resolve(Number(m[1]));
          });
          void exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`server exited (${code}) before it was ready:\n${out}\n${err}`));
          });
        });
        const url = `http://127.0.0.1:${port}`;
        // The launcher says when it falls back to tsx, and only then.
        expect(out.includes("through tsx")).toBe(!STRIPS_TYPES);

        const health = await fetch(`${url}/api/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ ok: true });

        // better-auth, the HTTP API and the collaboration server with its game extension (all of which
        // import @hexcrawl/shared through its node_modules symlink) work under this runtime.
        const owner = await new HttpUser(url, uniqueEmail("ops3")).signUp("Ops");
        const campaignId = await owner.createCampaign("Runtime check");
        const client = connectClient(url, dmDocName(campaignId), owner.cookie, { campaignParam: campaignId });
        try {
          expect(await client.ready).toBe(true);
          expect(client.doc.getMap(DmMap.meta).size).toBeGreaterThan(0);
        } finally {
          client.destroy();
        }

        child.kill("SIGTERM");
        expect(await exited).toBe(0);
        expect(err).not.toMatch(/ERR_UNSUPPORTED|ExperimentalWarning|uncaught|unhandled/i);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
        await store.cleanup();
      }
    },
    START_TIMEOUT_MS * 2,
  );
});
