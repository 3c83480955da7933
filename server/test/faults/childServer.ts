import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StartOptions } from "../../src/app.ts";

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), "serverProcess.ts");
const READY_PREFIX = "HEXCRAWL_READY ";
const START_TIMEOUT_MS = 30_000;

/** The real server in a child process (`node --import tsx`), for kill -9 tests. */
export interface ChildServer {
  port: number;
  url: string;
  process: ChildProcess;
  /** Everything the child wrote to stderr (shown when a test fails). */
  stderr(): string;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<void>;
}

export async function startChildServer(options: StartOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: { ...process.env, NODE_ENV: "production", HEXCRAWL_TEST_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child server did not start in ${START_TIMEOUT_MS} ms:\n${err}`)), START_TIMEOUT_MS);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line.slice(READY_PREFIX.length)) as { port: number }).port);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited (${code}) before it was ready:\n${err}`));
    });
  });
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    stderr: () => err,
    kill9: () => waitExit("SIGKILL"),
    stop: () => waitExit("SIGTERM"),
  };
}
