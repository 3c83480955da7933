import { parseArgs } from "node:util";

/** Scenario groups, a closed set; `--only` picks some. */
export const Scenario = {
  baseline: "baseline",
  publish: "publish",
  immediate: "immediate",
  bigmaps: "bigmaps",
  connections: "connections",
  client: "client",
  journal: "journal",
  exchange: "exchange",
  capacity: "capacity",
} as const;
export type Scenario = (typeof Scenario)[keyof typeof Scenario];
const ALL_SCENARIOS = Object.values(Scenario);

/** Where the Hex Crawl server keeps its data during the run. */
export const StoreChoice = { auto: "auto", postgres: "postgres", pglite: "pglite" } as const;
export type StoreChoice = (typeof StoreChoice)[keyof typeof StoreChoice];

/** Everything a run can be tuned with. Defaults fit ~5 minutes on a 2-core machine. */
export interface BenchConfig {
  /** Player / reader counts for the publish rows. */
  playerCounts: number[];
  /** Measured rounds per publish row (the issue asks ≥ 50). */
  rounds: number;
  /** Players connected while typing in immediate mode. */
  immediatePlayers: number;
  /** Keystrokes typed in immediate mode (10 per second). */
  keystrokes: number;
  keystrokesPerSecond: number;
  /** Size of the big map and of the small one it is compared with. */
  bigMapHexes: number;
  smallMapHexes: number;
  /** Hexes revealed to the player of the big map (first sync, memory per player document). */
  bigRevealedHexes: number;
  /** Players connected during the 1k-vs-10k publish comparison. */
  mapComparePlayers: number;
  /** Idle connections for the memory / idle CPU rows. */
  idleConnections: number;
  idleCpuWindowMs: number;
  /** A publish row stops after this long (at least one measured round), so a slow server cannot stall the run. */
  rowBudgetMs: number;
  scenarios: Set<Scenario>;
  store: StoreChoice;
  /** Admin URL used to create a throw-away database when the store is Postgres. */
  postgresAdminUrl: string;
  /** Use this database as it is (no create/drop). */
  databaseUrl: string | undefined;
  /** Use an already built client instead of building one. */
  clientDir: string | undefined;
  /** Drag duration of the client pan, per view. */
  panMs: number;
  /** Journal scenario: measured single-client rounds per server (burst rows: a quarter of it). */
  ackRounds: number;
  /** Journal scenario: clients editing at the same instant in a burst round. */
  ackClients: number;
  /** Capacity scenario (issue 14): campaigns added per step, the most tried, one measuring window per step. */
  capacityStep: number;
  /** Each step has at least this many times the campaigns of the one before (1 = linear). */
  capacityGrowth: number;
  capacityMax: number;
  capacityWindowMs: number;
  /** Ramp time budget per server; the ramp stops before a step that would end after it (a lower bound then). */
  capacityBudgetMs: number;
  /** Map size and players of each capacity campaign (the issue: 2,000 and 6). */
  capacityHexes: number;
  capacityPlayers: number;
}

const HELP = `npm run bench -- [options]            (every option also as env BENCH_<NAME>, e.g. BENCH_ROUNDS=60)
  --n 10,50,200           player / reader counts for the publish rows
  --rounds 50             measured rounds per publish row
  --only a,b              scenarios: ${ALL_SCENARIOS.join(",")}
  --store auto|postgres|pglite   auto = Postgres at --pg-admin-url if reachable, else embedded PGlite
  --pg-admin-url URL      default postgres://postgres@127.0.0.1:5432/test (a throw-away database is created)
  --database-url URL      use this database as is (also DATABASE_URL)
  --keystrokes 100        immediate-mode keystrokes (at 10/s)
  --immediate-players 50
  --big-hexes 10000 --small-hexes 1000 --big-revealed 2000 --compare-players 10
  --idle-connections 200 --idle-ms 5000
  --client-dir DIR        built client to serve (default: build one into a temp dir)
  --pan-ms 2000
  --row-budget-ms 30000   a publish row stops early (fewer rounds, shown in the table) after this long
  --ack-rounds 200 --ack-clients 20   journal scenario: acknowledgement rounds, clients per burst
  --capacity-step 16 --capacity-growth 2 --capacity-max 128
                          capacity: each step adds 16 campaigns or grows ×2 (1 = linear), up to 128
  --capacity-window-ms 20000            capacity: measuring window per step (≥ 20000: a publish per campaign)
  --capacity-budget-s 150               capacity: ramp time budget per server (setup included; Hex Crawl still
                                        runs every count the baseline held)
  --capacity-hexes 2000 --capacity-players 6
  --quick                 small smoke run: --n 10,50 --rounds 10 --keystrokes 20 --idle-connections 50 --ack-rounds 40
                          --capacity-step 2 --capacity-max 4 --capacity-budget-s 60`;

function int(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

function factor(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 10) throw new Error(`--${name} must be a number from 1 to 10, got ${v}`);
  return n;
}

/** Parse flags (and BENCH_* env as fallbacks). Prints help and exits on --help. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string" },
      rounds: { type: "string" },
      only: { type: "string" },
      store: { type: "string" },
      "pg-admin-url": { type: "string" },
      "database-url": { type: "string" },
      keystrokes: { type: "string" },
      "immediate-players": { type: "string" },
      "big-hexes": { type: "string" },
      "small-hexes": { type: "string" },
      "big-revealed": { type: "string" },
      "compare-players": { type: "string" },
      "idle-connections": { type: "string" },
      "idle-ms": { type: "string" },
      "client-dir": { type: "string" },
      "pan-ms": { type: "string" },
      "row-budget-ms": { type: "string" },
      "ack-rounds": { type: "string" },
      "ack-clients": { type: "string" },
      "capacity-step": { type: "string" },
      "capacity-growth": { type: "string" },
      "capacity-max": { type: "string" },
      "capacity-window-ms": { type: "string" },
      "capacity-budget-s": { type: "string" },
      "capacity-hexes": { type: "string" },
      "capacity-players": { type: "string" },
      quick: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const pick = (flag: string | undefined, envName: string) => flag ?? env[`BENCH_${envName}`];
  const quick = values.quick === true || env["BENCH_QUICK"] === "1";
  const nList = (pick(values.n, "N") ?? (quick ? "10,50" : "10,50,200"))
    .split(",")
    .map((s) => int("n", s.trim(), 0));
  const only = pick(values.only, "ONLY");
  const scenarios = new Set<Scenario>();
  for (const s of only ? only.split(",").map((x) => x.trim()) : ALL_SCENARIOS) {
    if (!(ALL_SCENARIOS as string[]).includes(s)) throw new Error(`unknown scenario ${s}; known: ${ALL_SCENARIOS.join(", ")}`);
    scenarios.add(s as Scenario);
  }
  const store = pick(values.store, "STORE") ?? StoreChoice.auto;
  if (!(Object.values(StoreChoice) as string[]).includes(store)) throw new Error(`--store must be auto, postgres or pglite`);
  return {
    playerCounts: [...new Set(nList)].sort((a, b) => a - b),
    rounds: int("rounds", pick(values.rounds, "ROUNDS"), quick ? 10 : 50),
    immediatePlayers: int("immediate-players", pick(values["immediate-players"], "IMMEDIATE_PLAYERS"), quick ? 10 : 50),
    keystrokes: int("keystrokes", pick(values.keystrokes, "KEYSTROKES"), quick ? 20 : 100),
    keystrokesPerSecond: 10,
    bigMapHexes: int("big-hexes", pick(values["big-hexes"], "BIG_HEXES"), 10_000, 100),
    smallMapHexes: int("small-hexes", pick(values["small-hexes"], "SMALL_HEXES"), 1_000, 100),
    bigRevealedHexes: int("big-revealed", pick(values["big-revealed"], "BIG_REVEALED"), 2_000),
    mapComparePlayers: int("compare-players", pick(values["compare-players"], "COMPARE_PLAYERS"), 10),
    idleConnections: int("idle-connections", pick(values["idle-connections"], "IDLE_CONNECTIONS"), quick ? 50 : 200),
    idleCpuWindowMs: int("idle-ms", pick(values["idle-ms"], "IDLE_MS"), quick ? 2000 : 5000),
    rowBudgetMs: int("row-budget-ms", pick(values["row-budget-ms"], "ROW_BUDGET_MS"), 30_000),
    scenarios,
    store: store as StoreChoice,
    postgresAdminUrl: pick(values["pg-admin-url"], "PG_ADMIN_URL") ?? env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test",
    databaseUrl: values["database-url"] ?? env["BENCH_DATABASE_URL"] ?? env["DATABASE_URL"],
    clientDir: pick(values["client-dir"], "CLIENT_DIR"),
    panMs: int("pan-ms", pick(values["pan-ms"], "PAN_MS"), 2000),
    ackRounds: int("ack-rounds", pick(values["ack-rounds"], "ACK_ROUNDS"), quick ? 40 : 200),
    ackClients: int("ack-clients", pick(values["ack-clients"], "ACK_CLIENTS"), quick ? 10 : 20),
    capacityStep: int("capacity-step", pick(values["capacity-step"], "CAPACITY_STEP"), quick ? 2 : 16),
    capacityGrowth: factor("capacity-growth", pick(values["capacity-growth"], "CAPACITY_GROWTH"), 2),
    capacityMax: int("capacity-max", pick(values["capacity-max"], "CAPACITY_MAX"), quick ? 4 : 128),
    capacityWindowMs: int("capacity-window-ms", pick(values["capacity-window-ms"], "CAPACITY_WINDOW_MS"), 20_000, 1000),
    capacityBudgetMs: 1000 * int("capacity-budget-s", pick(values["capacity-budget-s"], "CAPACITY_BUDGET_S"), quick ? 60 : 150),
    capacityHexes: int("capacity-hexes", pick(values["capacity-hexes"], "CAPACITY_HEXES"), 2_000, 200),
    capacityPlayers: int("capacity-players", pick(values["capacity-players"], "CAPACITY_PLAYERS"), 6),
  };
}
