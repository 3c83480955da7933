/** Public API of @hexcrawl/shared: the pure core used by the server and the client. */
export * from "./docNames.ts";
export * from "./hex.ts";
export * from "./model.ts";
export * from "./migrations.ts";
export * from "./projection.ts";
export * from "./presence.ts";
export * from "./session.ts";
export * from "./protocol.ts";
export * from "./pending.ts";
export * from "./protocolClient.ts";
export * from "./text.ts";
export * from "./travel.ts";
export * from "./crawlActions.ts";
export * from "./crawlProjection.ts";
export * from "./annotations.ts";
