import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { parseConfig, Scenario, type BenchConfig } from "./lib/config.ts";
import { killAllServers, ServerProcess } from "./lib/childServer.ts";
import { evaluateGoals, renderMarkdown, type BenchResults } from "./lib/report.ts";
import { baselineIdle, baselinePublish, baselinePublishEach, baselineTyping } from "./scenarios/baseline.ts";
import { bigMap, Campaign, hexcrawlIdle, PUBLISH_NA, RevealMode, signUpUsers } from "./scenarios/hexcrawl.ts";
import { buildClient, panFrames } from "./scenarios/client.ts";
import { ackLatency } from "./scenarios/journal.ts";
import { exchangeBench } from "./scenarios/exchange.ts";
import { capacityBench } from "./scenarios/capacity.ts";
import { DEFAULT_CAPACITY_LIMITS } from "./lib/capacity.ts";
import type { NotAvailable } from "./scenarios/common.ts";
import { postgresReachable } from "../server/test/support/app.ts";

/**
 * `npm run bench`: issue 6's measurements in one run — a plain Hocuspocus baseline and the real Hex
 * Crawl server, each in its own child process, driven by real providers from this process.
 * Prints a Markdown table and writes bench/results/latest.{json,md}.
 */

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(BENCH_DIR, "results");

const t0 = Date.now();
function log(msg: string): void {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

function na(err: unknown): NotAvailable {
  const message = err instanceof Error ? err.message : String(err);
  log(`  failed: ${message}`);
  return { na: message.split("\n")[0]?.slice(0, 200) ?? "failed" };
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | NotAvailable> {
  log(what);
  try {
    return await fn();
  } catch (err) {
    return na(err);
  }
}

/** Where the Hex Crawl server stores data for this run, and how to clean it up. */
interface Store {
  label: string;
  options: { dataDir: string; databaseUrl?: string };
  cleanup(): Promise<void>;
}

async function prepareStore(cfg: BenchConfig): Promise<Store> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-bench-data-"));
  const removeDir = () => rm(dataDir, { recursive: true, force: true });
  if (cfg.databaseUrl) {
    return { label: "Postgres (given DATABASE_URL)", options: { dataDir, databaseUrl: cfg.databaseUrl }, cleanup: removeDir };
  }
  if (cfg.store !== "pglite" && (await postgresReachable(cfg.postgresAdminUrl))) {
    const name = `hexcrawl_bench_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: cfg.postgresAdminUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(cfg.postgresAdminUrl);
    url.pathname = `/${name}`;
    return {
      label: `Postgres at ${url.host} (throw-away database)`,
      options: { dataDir, databaseUrl: url.toString() },
      cleanup: async () => {
        const c = new pg.Client({ connectionString: cfg.postgresAdminUrl });
        await c.connect();
        try {
          await c.query(`drop database if exists ${name} with (force)`);
        } finally {
          await c.end();
        }
        await removeDir();
      },
    };
  }
  if (cfg.store === "postgres") throw new Error(`Postgres unreachable at ${cfg.postgresAdminUrl}`);
  return { label: "embedded PGlite", options: { dataDir }, cleanup: removeDir };
}

function machine(): BenchResults["machine"] {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

async function main(): Promise<void> {
  const cfg = parseConfig(process.argv.slice(2), process.env);
  const want = (s: string) => cfg.scenarios.has(s as never);
  const results: Omit<BenchResults, "goals"> = {
    machine: machine(),
    config: { ...cfg, scenarios: [...cfg.scenarios] },
    store: "n/a",
    startedAt: new Date().toISOString(),
    durationS: 0,
    baseline: { publish: {}, publishEach: {}, typing: { na: "not run" }, idle: { na: "not run" } },
    hexcrawl: {
      publish: { all: {}, each: {} },
      immediate: { na: "not run" },
      idle: { na: "not run" },
      mapCompare: { smallHexes: cfg.smallMapHexes, bigHexes: cfg.bigMapHexes, small: { na: "not run" }, big: { na: "not run" } },
      bigMap: { na: "not run" },
      client: { na: "not run" },
    },
    journal: { na: "not run" },
    exchange: { na: "not run" },
    capacity: { na: "not run" },
  };
  log(`machine: ${results.machine.cpuModel} × ${results.machine.cores}, Node ${results.machine.node}`);

  // ---- Baseline: plain Hocuspocus ---------------------------------------------------------------
  if (want("baseline") || want("publish") || want("immediate") || want("connections")) {
    const base = await ServerProcess.start("baseline", "baselineServer.ts");
    try {
      for (const n of cfg.playerCounts) {
        results.baseline.publish[n] = await attempt(`baseline publish, N=${n}`, () => baselinePublish(base, n, cfg.rounds));
        (results.baseline.publishEach ??= {})[n] = await attempt(`baseline publish, N=${n} documents`, () => baselinePublishEach(base, n, cfg.rounds));
      }
      if (want("immediate")) {
        results.baseline.typing = await attempt(`baseline typing, ${cfg.immediatePlayers} readers`, () =>
          baselineTyping(base, cfg.immediatePlayers, cfg.keystrokes, cfg.keystrokesPerSecond),
        );
      }
      if (want("connections")) {
        results.baseline.idle = await attempt(`baseline idle, ${cfg.idleConnections} readers`, () => baselineIdle(base, cfg.idleConnections, cfg.idleCpuWindowMs));
      }
    } finally {
      await base.stop();
    }
  }

  // ---- Exchange: import and export of a big map, in-process children (issue 16) -----------------
  if (want("exchange")) {
    results.exchange = await attempt(`import and export of a ${cfg.bigMapHexes}-hex map`, () => exchangeBench(cfg.bigMapHexes));
  }

  // ---- Hex Crawl: the real server --------------------------------------------------------------
  const store = await prepareStore(cfg);
  results.store = store.label;
  // ---- Update journal: acknowledgement latency with and without it ------------------------------
  if (want("journal")) {
    results.journal = await attempt(`acknowledgement latency with and without the update journal (${store.label})`, async () => {
      // One data directory each: a PGlite directory is one process's (on Postgres both share the database).
      const dirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), "hexcrawl-bench-journal-"))));
      const options = (i: number) => JSON.stringify({ ...store.options, dataDir: dirs[i] });
      const servers: ServerProcess[] = [];
      try {
        servers.push(await ServerProcess.start("no-journal", "persistenceServer.ts", { BENCH_JOURNAL: "off", BENCH_SERVER_OPTIONS: options(0) }));
        servers.push(await ServerProcess.start("journal", "persistenceServer.ts", { BENCH_JOURNAL: "on", BENCH_SERVER_OPTIONS: options(1) }));
        const [off, on] = servers as [ServerProcess, ServerProcess];
        return await ackLatency(off, on, cfg.ackRounds, cfg.ackClients);
      } finally {
        for (const s of servers) await s.stop();
        for (const d of dirs) await rm(d, { recursive: true, force: true });
      }
    });
  }
  // ---- Capacity: campaigns per server until a latency limit, against Hocuspocus + extension-database -----------
  if (want("capacity")) {
    results.capacity = await attempt(`capacity ramp (${store.label})`, () =>
      capacityBench(
        {
          step: cfg.capacityStep,
          growth: cfg.capacityGrowth,
          max: cfg.capacityMax,
          windowMs: cfg.capacityWindowMs,
          budgetMs: cfg.capacityBudgetMs,
          mapHexes: cfg.capacityHexes,
          players: cfg.capacityPlayers,
          limits: DEFAULT_CAPACITY_LIMITS,
        },
        store.options,
        store.options.databaseUrl ?? null,
        log,
      ),
    );
  }
  let clientDir: string | NotAvailable | undefined;
  if (want("client")) {
    if (cfg.clientDir) clientDir = cfg.clientDir;
    else {
      log("building the client");
      const built = await buildClient();
      clientDir = "dir" in built ? built.dir : built;
    }
  }
  // The Hex Crawl server of the scenarios below (capacity and journal start their own).
  const hcWanted = ([Scenario.publish, Scenario.immediate, Scenario.connections, Scenario.bigmaps, Scenario.client] as const).some((s) => cfg.scenarios.has(s));
  const hc = hcWanted
    ? await ServerProcess.start("hexcrawl", "hexcrawlServer.ts", {
        BENCH_SERVER_OPTIONS: JSON.stringify({ ...store.options, ...(typeof clientDir === "string" ? { clientDir } : {}) }),
      })
    : null;
  try {
    if (hc) {
      const poolSize = Math.max(
        1,
        ...(want("publish") ? cfg.playerCounts : []),
        want("immediate") ? cfg.immediatePlayers : 0,
        want("connections") ? cfg.idleConnections : 0,
        want("bigmaps") ? cfg.mapComparePlayers : 0,
      );
      log(`signing up ${poolSize} players and a DM (${store.label})`);
      const { dm, players } = await signUpUsers(hc, poolSize);

      if (want("connections")) {
        results.hexcrawl.idle = await attempt(`Hex Crawl idle, ${cfg.idleConnections} players`, () =>
          hexcrawlIdle(hc, dm, players.slice(0, cfg.idleConnections), cfg.idleCpuWindowMs),
        );
      }

      let bigCampaignId: string | null = null;
      if (want("bigmaps")) {
        for (const [key, size] of [["small", cfg.smallMapHexes], ["big", cfg.bigMapHexes]] as const) {
          results.hexcrawl.mapCompare[key] = await attempt(`publish on a ${size}-hex map, ${cfg.mapComparePlayers} players`, async () => {
            const c = await Campaign.create(hc, dm, players.slice(0, cfg.mapComparePlayers), `bench map ${size}`, size);
            try {
              await c.probe();
              if (c.publishNa) return { na: c.publishNa };
              await c.connectPlayers();
              return await c.publishRounds(RevealMode.all, cfg.rounds, cfg.rowBudgetMs);
            } finally {
              c.destroy();
            }
          });
        }
        const firstPlayer = players[0];
        if (firstPlayer) {
          const big = await attempt(`big map: ${cfg.bigMapHexes} hexes, ${cfg.bigRevealedHexes} revealed`, () =>
            bigMap(hc, dm, firstPlayer, cfg.bigMapHexes, cfg.bigRevealedHexes),
          );
          results.hexcrawl.bigMap = big;
          if (!("na" in big)) bigCampaignId = big.campaignId;
        }
      }

      if (want("client")) {
        if (clientDir === undefined || typeof clientDir !== "string") results.hexcrawl.client = clientDir ?? { na: "no client" };
        else {
          results.hexcrawl.client = await attempt(`client pan in Chromium, ${cfg.bigMapHexes} hexes`, async () => {
            let id = bigCampaignId;
            if (!id) {
              const c = await Campaign.create(hc, dm, [], `bench client ${cfg.bigMapHexes}`, cfg.bigMapHexes);
              id = c.id;
              c.destroy();
            }
            await mkdir(RESULTS_DIR, { recursive: true });
            return panFrames(hc.url, dm, id, cfg.bigMapHexes, cfg.panMs, RESULTS_DIR);
          });
        }
      }
      // Publish rows last: at N=200 the server can stay busy long after a row (stores, event log), and the
      // memory and cold-load figures above need a quiet server.
      let immediateDone = false;
      const runImmediate = async (c: Campaign) => {
        results.hexcrawl.immediate = await attempt(`Hex Crawl immediate mode, ${c.players.length} players`, () =>
          c.immediateTyping(cfg.keystrokes, cfg.keystrokesPerSecond),
        );
        immediateDone = true;
      };

      if (want("publish")) {
        for (const n of cfg.playerCounts) {
          let campaign: Campaign | null = null;
          try {
            log(`Hex Crawl campaign with ${n} players`);
            campaign = await Campaign.create(hc, dm, players.slice(0, n), `bench publish ${n}`, cfg.smallMapHexes);
            await campaign.probe();
            if (campaign.publishNa) {
              log(`  ${campaign.publishNa}`);
              results.hexcrawl.publish.all[n] = { na: campaign.publishNa };
              results.hexcrawl.publish.each[n] = { na: campaign.publishNa };
              continue;
            }
            await campaign.connectPlayers();
            const c = campaign;
            results.hexcrawl.publish.all[n] = await attempt(`Hex Crawl publish to *, N=${n}`, () => c.publishRounds(RevealMode.all, cfg.rounds, cfg.rowBudgetMs));
            results.hexcrawl.publish.each[n] = await attempt(`Hex Crawl publish to each player, N=${n}`, () => c.publishRounds(RevealMode.each, cfg.rounds, cfg.rowBudgetMs));
            if (want("immediate") && n === cfg.immediatePlayers) await runImmediate(c);
          } catch (err) {
            results.hexcrawl.publish.all[n] ??= na(err);
            results.hexcrawl.publish.each[n] ??= { na: "campaign setup failed" };
          } finally {
            campaign?.destroy();
          }
        }
      }
      if (want("immediate") && !immediateDone) {
        let campaign: Campaign | null = null;
        try {
          campaign = await Campaign.create(hc, dm, players.slice(0, cfg.immediatePlayers), "bench immediate", cfg.smallMapHexes);
          await campaign.probe();
          if (!campaign.publishNa) await campaign.connectPlayers();
          await runImmediate(campaign);
        } catch (err) {
          results.hexcrawl.immediate = na(err);
        } finally {
          campaign?.destroy();
        }
      }
    }
  } finally {
    await hc?.stop();
    await store.cleanup().catch((err: unknown) => log(`store cleanup failed: ${String(err)}`));
    if (typeof clientDir === "string" && !cfg.clientDir) await rm(clientDir, { recursive: true, force: true });
  }


  results.durationS = (Date.now() - t0) / 1000;
  const full: BenchResults = { ...results, goals: evaluateGoals(results) };
  const md = renderMarkdown(full);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, "latest.json"), `${JSON.stringify(full, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, "latest.md"), `${md}\n`);
  console.log(md);
  log(`wrote ${path.relative(process.cwd(), path.join(RESULTS_DIR, "latest.json"))} and latest.md`);
  if (Object.values(full.hexcrawl.publish.all).some((x) => "na" in x && x.na.startsWith(PUBLISH_NA))) {
    log("note: the server does not answer publish commands yet; Hex Crawl publish rows are n/a");
  }
}

// A late rejection (a timer of an abandoned wait) is logged, never a crash that leaves children behind.
process.on("unhandledRejection", (err) => log(`unhandled rejection: ${err instanceof Error ? err.message : String(err)}`));

main()
  .then(() => {
    killAllServers();
    // Providers and sockets may keep timers alive; the run is over.
    process.exit(0);
  })
  .catch((err: unknown) => {
    console.error("[bench] failed:", err);
    killAllServers();
    process.exit(1);
  });
