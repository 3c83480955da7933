import { dmDocName, playerDocName, readPlayerView, type PlayerView } from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { HttpUser, uniqueEmail } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";

/** A campaign with an owner, a co-DM and players, all signed up through the real HTTP API. */
export interface Table {
  app: App;
  campaignId: string;
  owner: HttpUser;
  coDm: HttpUser;
  players: HttpUser[];
  clients: TestClient[];
  /** Connect a client to the DM document as `user` (owner by default). */
  dm(user?: HttpUser): Promise<TestClient>;
  /** Connect `player` to their own player document. */
  player(player: HttpUser): Promise<TestClient>;
  closeClients(): void;
}

export async function setUpTable(app: App, playerCount: number): Promise<Table> {
  const owner = await new HttpUser(app.url, uniqueEmail("dm")).signUp("Dungeon Master");
  const coDm = await new HttpUser(app.url, uniqueEmail("codm")).signUp("Co DM");
  const campaignId = await owner.createCampaign("The Sunless Marches");
  await coDm.accept(await owner.invite(campaignId, "dm"));
  const players: HttpUser[] = [];
  for (let i = 0; i < playerCount; i++) {
    const p = await new HttpUser(app.url, uniqueEmail(`p${i}`)).signUp(`Player ${i}`);
    await p.accept(await owner.invite(campaignId, "player"));
    players.push(p);
  }
  const clients: TestClient[] = [];
  const open = async (name: string, user: HttpUser) => {
    const c = connectClient(app.url, name, user.cookie, { campaignParam: campaignId });
    clients.push(c);
    if (!(await c.ready)) throw new Error(`${user.email} could not open ${name}: ${c.deniedReason ?? "?"}`);
    return c;
  };
  return {
    app,
    campaignId,
    owner,
    coDm,
    players,
    clients,
    dm: (user = owner) => open(dmDocName(campaignId), user),
    player: (p) => open(playerDocName(campaignId, p.id), p),
    closeClients: () => {
      for (const c of clients.splice(0)) c.destroy();
    },
  };
}

/** What a player's client currently shows, as a plain object (stable for toEqual). */
export function viewOf(client: TestClient): Record<string, unknown> {
  return viewToObject(readPlayerView(client.doc));
}

export function viewToObject(view: PlayerView): Record<string, unknown> {
  return Object.fromEntries([...view.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
