import type * as Y from "yjs";
import { dmDocName, overlayViews, partyDocName, playerDocName, readPlayerView, type PlayerView } from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { HttpUser, uniqueEmail } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";

/** A player's client: their own document (`doc`, `provider`) and the party document (`party`). */
export interface PlayerClient extends TestClient {
  party: TestClient;
}

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
  /**
   * Connect `player` the way the browser does: their own player document plus the party document
   * (what is published to everyone, PROJ15). `viewOf` reads what the two show together.
   */
  player(player: HttpUser): Promise<PlayerClient>;
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
    player: async (p) => {
      const [own, party] = await Promise.all([open(playerDocName(campaignId, p.id), p), open(partyDocName(campaignId), p)]);
      const destroyOwn = own.destroy.bind(own);
      return Object.assign(own, {
        party,
        destroy() {
          destroyOwn();
          party.destroy();
        },
      });
    },
    closeClients: () => {
      for (const c of clients.splice(0)) c.destroy();
    },
  };
}

/**
 * What a player's client currently shows (party under own), as a plain object (stable for toEqual). Takes
 * both documents: a client without the party document would silently show only the private part.
 */
export function viewOf(client: Pick<PlayerClient, "doc" | "party">): Record<string, unknown> {
  return viewToObject(shownView(client.doc, client.party.doc));
}

/** What a player sees from their own document and the party document (either may be a server copy). */
export function shownView(own: Y.Doc | undefined, party: Y.Doc | undefined): PlayerView {
  return overlayViews(party ? readPlayerView(party) : new Map(), own ? readPlayerView(own) : new Map());
}

export function viewToObject(view: PlayerView): Record<string, unknown> {
  return Object.fromEntries([...view.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
