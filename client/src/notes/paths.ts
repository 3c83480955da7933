import { hexLine, keyOf, parseHexKey } from "@hexcrawl/shared/hex";

/**
 * A path being drawn on the table, extended to `hex`: the hex centres of a straight hex line from its last point
 * (so a click far away still gives a path along adjacent hexes), at most `max` points. The same path when `hex` is
 * its last point or not a hex key. Pure.
 */
export function extendedPath(path: readonly string[], hex: string, max: number): string[] {
  const to = parseHexKey(hex);
  const lastKey = path.at(-1);
  if (!to || lastKey === hex) return [...path];
  const last = lastKey ? parseHexKey(lastKey) : null;
  const steps = last ? hexLine(last, to).slice(1).map(keyOf) : [hex];
  return [...path, ...steps].slice(0, max);
}
