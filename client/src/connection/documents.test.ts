import { describe, expect, it } from "vitest";
import { parseDocName } from "@hexcrawl/shared/docNames";
import { collabUrl, documentNameFor } from "./documents.ts";

describe("campaign documents", () => {
  it("[CLIENT8] one socket URL per campaign, ws on http and wss on https", () => {
    expect(collabUrl({ protocol: "http:", host: "localhost:8080" }, "c1")).toBe("ws://localhost:8080/collab?campaign=c1");
    expect(collabUrl({ protocol: "https:", host: "hex.example" }, "c_1-x")).toBe("wss://hex.example/collab?campaign=c_1-x");
  });

  it("[CLIENT8] owners and DMs open the DM document, players their own view", () => {
    expect(parseDocName(documentNameFor("c1", "owner", "u1"))).toEqual({ kind: "dm", campaignId: "c1" });
    expect(parseDocName(documentNameFor("c1", "dm", "u1"))).toEqual({ kind: "dm", campaignId: "c1" });
    expect(parseDocName(documentNameFor("c1", "player", "u1"))).toEqual({ kind: "player", campaignId: "c1", userId: "u1" });
  });
});
