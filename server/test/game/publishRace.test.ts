import { expect, it } from "vitest";
import { ALL_PLAYERS, dmDocName, partyDocName, project, readPlayerView, reveal, setTerrain } from "@hexcrawl/shared";
import type { HttpUser } from "../support/http.ts";
import { command } from "../support/commands.ts";
import { useTestApp } from "../support/app.ts";
import { setUpTable, viewToObject } from "./fixture.ts";

/** Edits interleaved with a running publish (each on its own microtask), at most this many. */
const MAX_EDITS = 200;
const suite = useTestApp("pglite");

it("[GAME10] a DM change that lands while a publish is running goes out with the next publish", async () => {
  const t = await setUpTable(suite.app, 1);
  const [alice] = t.players as [HttpUser];
  const dm = await t.dm();
  await t.player(alice);
  setTerrain(dm.doc, "0,0", "plains");
  reveal(dm.doc, "0,0", ALL_PLAYERS);
  await command(dm, { type: "publish" });
  const serverDm = suite.app.ctx.hocuspocus.documents.get(dmDocName(t.campaignId));
  if (!serverDm) throw new Error("the DM document is not loaded");
  const campaign = suite.app.game.room(t.campaignId);
  if (!campaign) throw new Error("no campaign room");
  // Edits applied on the server (as if arriving over Redis) on every microtask while the publish awaits.
  let running = true;
  let edits = 0;
  const pump = () => {
    if (!running || edits >= MAX_EDITS) return;
    edits += 1;
    serverDm.transact(() => {
      setTerrain(serverDm, `${edits},5`, "forest");
      reveal(serverDm, `${edits},5`, ALL_PLAYERS);
    }, { test: "concurrent edit" });
    queueMicrotask(pump);
  };
  const published = campaign.publish(undefined, t.owner.id);
  queueMicrotask(pump);
  await published;
  running = false;
  expect(edits, "edits landed during the publish").toBeGreaterThan(0);
  await command(dm, { type: "publish" });
  const party = suite.app.ctx.hocuspocus.documents.get(partyDocName(t.campaignId));
  if (!party) throw new Error("the party document is not loaded");
  expect(viewToObject(readPlayerView(party))).toEqual(viewToObject(project(serverDm, ALL_PLAYERS)));
  t.closeClients();
});
