import type { IncomingMessage } from "node:http";
import type { Hocuspocus } from "@hocuspocus/server";
import type { AppConfig } from "./config.ts";
import type { Database } from "./db/Database.ts";
import type { Auth } from "./auth.ts";
import type { ClusterBus } from "./cluster/ClusterBus.ts";

/** A signed-in user as the server knows them (from the session cookie, never from the client). */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  sessionId: string;
}

/** What request handlers and Hocuspocus extensions share. Built once in `startApp`. */
export interface AppContext {
  config: AppConfig;
  db: Database;
  auth: Auth;
  hocuspocus: Hocuspocus;
  redisEnabled: boolean;
  /** Facts every instance must act on (members changed). */
  bus: ClusterBus;
  /** The user behind the request's session cookie, or null. */
  userFromHeaders(req: IncomingMessage): Promise<SessionUser | null>;
}
