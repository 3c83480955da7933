import { expect, it } from "vitest";
import { ALL_PLAYERS, reveal, setTerrain } from "@hexcrawl/shared";
import { apiRoutes } from "@hexcrawl/shared/httpApi";
import { eventually } from "../support/http.ts";
import { collectPushes, command } from "../support/commands.ts";
import { useTestApp } from "../support/app.ts";
import { setUpTable } from "./fixture.ts";
const suite = useTestApp("pglite");

it("[LOGUI1] new events nudge the DMs' log views (a push, no polling); the log filters by session and type", async () => {
  const t = await setUpTable(suite.app, 1);
  const dm = await t.dm();
  const pushes = collectPushes(dm);
  await command(dm, { type: "session", action: "start" });
  setTerrain(dm.doc, "0,0", "forest");
  reveal(dm.doc, "0,0", ALL_PLAYERS);
  await eventually(() => expect(pushes.some((p) => p.type === "events")).toBe(true));
  const all = await t.owner.call(apiRoutes.listEvents, { params: { id: t.campaignId }, query: {} });
  const first = all.events.find((e) => e.type === "session_start");
  expect(first?.sessionId).toBeTruthy();
  await eventually(async () => {
    const reveals = await t.owner.call(apiRoutes.listEvents, { params: { id: t.campaignId }, query: { types: "reveal,hide" } });
    expect(reveals.events.map((e) => e.type)).toEqual(["reveal"]);
  });
  await command(dm, { type: "session", action: "end" });
  await command(dm, { type: "session", action: "start" });
  const second = await t.owner.call(apiRoutes.listEvents, { params: { id: t.campaignId }, query: { session: first?.sessionId ?? "" } });
  expect(second.events.every((e) => e.sessionId === first?.sessionId)).toBe(true);
  expect(second.events.some((e) => e.type === "session_end")).toBe(true);
  expect(second.events.some((e) => e.type === "session_start" && e.id !== first?.id)).toBe(false);
  // A bad filter is a 400, not a crash.
  const bad = await t.owner.request("GET", `/api/campaigns/${t.campaignId}/events?types=DROP%20TABLE`);
  expect(bad.status).toBe(400);
  t.closeClients();
});
