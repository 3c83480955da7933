import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CpuSample, LoadResult, MemSample, PlainCopyResult, RpcRequest, ServerMessage, ServerOp, StatsResult } from "./ipc.ts";

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** How long a server child may take to start (migrations, PGlite boot). */
const STARTUP_TIMEOUT_MS = 60_000;
/** How long one RPC may take (a cold 10,000-hex load is well under this). */
const RPC_TIMEOUT_MS = 60_000;

const live = new Set<ChildProcess>();
let hooksInstalled = false;

/** Kill every server child still running. Safe to call more than once, from any exit path. */
export function killAllServers(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", killAllServers);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      killAllServers();
      process.exit(130);
    });
  }
}

/** A server child process and the RPCs it answers. */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;

  private constructor(name: string, child: ChildProcess, url: string, port: number) {
    this.name = name;
    this.child = child;
    this.url = url;
    this.port = port;
    child.on("message", (raw: unknown) => {
      const msg = raw as ServerMessage;
      if (msg.type !== "rpc") return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    child.on("exit", (code, signal) => {
      live.delete(child);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${name} exited (${code ?? signal})`));
      }
      this.pending.clear();
    });
  }

  /** Fork `bench/servers/{entry}` with --expose-gc and wait for its ready message. */
  static async start(name: string, entry: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    installExitHooks();
    // BENCH_PROFILE_DIR: write a V8 CPU profile of every server child there (open in Chrome DevTools).
    const profileDir = process.env["BENCH_PROFILE_DIR"];
    // One directory per child: Node writes a profile per thread (the tsx loader runs in a worker), and a
    // fixed --cpu-prof-name would let the loader thread's profile overwrite the main thread's.
    const profile = profileDir ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(profileDir, `${name}-${Date.now()}`)] : [];
    const child = fork(path.join(BENCH_DIR, "servers", entry), [], {
      execArgv: ["--expose-gc", ...profile, "--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    live.add(child);
    const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start in ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
      child.on("message", (raw: unknown) => {
        const msg = raw as ServerMessage;
        if (msg.type === "ready") {
          clearTimeout(timer);
          resolve({ url: msg.url, port: msg.port });
        } else if (msg.type === "fatal") {
          clearTimeout(timer);
          reject(new Error(`${name} failed to start: ${msg.message}`));
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited during startup (${code ?? signal})`));
      });
    }).catch((err: unknown) => {
      child.kill("SIGKILL");
      live.delete(child);
      throw err;
    });
    return new ServerProcess(name, child, ready.url, ready.port);
  }

  private rpc<T>(op: ServerOp, args?: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    const req: RpcRequest = { id, op, ...(args ? { args } : {}) };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${op} timed out`));
      }, RPC_TIMEOUT_MS);
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject, timer });
      this.child.send(req);
    });
  }

  cpu(): Promise<CpuSample> {
    return this.rpc("cpu");
  }
  mem(): Promise<MemSample> {
    return this.rpc("mem");
  }
  stats(): Promise<StatsResult> {
    return this.rpc("stats");
  }
  load(name: string): Promise<LoadResult> {
    return this.rpc("load", { name });
  }
  release(name: string): Promise<void> {
    return this.rpc("release", { name });
  }
  plainCopy(name: string): Promise<PlainCopyResult> {
    return this.rpc("plainCopy", { name });
  }
  waitUnloaded(names: string[], timeoutMs = 20_000): Promise<void> {
    return this.rpc("waitUnloaded", { names, timeoutMs });
  }

  waitQuiet(timeoutMs = 45_000): Promise<void> {
    return this.rpc("waitQuiet", { timeoutMs });
  }

  /** Ask the server to stop (IPC disconnect), then kill it if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 12_000);
    await exited;
    clearTimeout(timer);
  }
}

/** CPU milliseconds between two samples. */
export function cpuMs(a: CpuSample, b: CpuSample): number {
  return (b.user - a.user + (b.system - a.system)) / 1000;
}

/** Bytes retained by JS and Yjs/ws buffers (same measure as the server's `load`). */
export function retainedBytes(m: MemSample): number {
  return m.heapUsed + m.arrayBuffers;
}
