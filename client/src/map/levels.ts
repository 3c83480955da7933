import { KNOWLEDGE_LEVELS, type KnowledgeLevel } from "@hexcrawl/shared/model";

/** How the UI names each knowledge level, and what a player gets at it (MODEL11; one table for toolbar, inspector, legend). */
export const LEVEL_TEXT: Readonly<Record<KnowledgeLevel, { name: string; key: string; gives: string; player: string }>> = {
  rumoured: {
    name: "Rumoured",
    key: "1",
    gives: "the rumour text only — no terrain",
    player: "You have heard of this place.",
  },
  seen: {
    name: "Seen",
    key: "2",
    gives: "terrain, and the name of a landmark",
    player: "Seen from afar.",
  },
  visited: {
    name: "Visited",
    key: "3",
    gives: "terrain, name and notes",
    player: "Visited.",
  },
  explored: {
    name: "Explored",
    key: "4",
    gives: "everything above and what exploring finds",
    player: "Explored — searched thoroughly.",
  },
};

/** The levels in order, with their UI text. */
export const LEVEL_CHOICES = KNOWLEDGE_LEVELS.map((level) => ({ level, ...LEVEL_TEXT[level] }));

/** The level a digit key picks ("1" rumoured … "4" explored), or null. */
export function levelForKey(key: string): KnowledgeLevel | null {
  return LEVEL_CHOICES.find((c) => c.key === key)?.level ?? null;
}
