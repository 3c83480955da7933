/**
 * The fog a player sees over unknown space (LAYOUT3): soft, uneven cloud drawn once into a small tile and repeated
 * as a canvas pattern, so every frame costs one fillRect whatever the map size.
 */

const TILE_PX = 256;
let tile: HTMLCanvasElement | null = null;

function drawTile(): HTMLCanvasElement | null {
  if (typeof document === "undefined") return null;
  const c = document.createElement("canvas");
  c.width = TILE_PX;
  c.height = TILE_PX;
  const ctx = c.getContext("2d");
  if (!ctx) return null;
  ctx.fillStyle = "#1b1f29";
  ctx.fillRect(0, 0, TILE_PX, TILE_PX);
  // A fixed pseudo-random sequence: the fog looks the same on every load.
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 60; i++) {
    const x = rand() * TILE_PX;
    const y = rand() * TILE_PX;
    const radius = 20 + rand() * 50;
    const alpha = 0.03 + rand() * 0.05;
    // Drawn at the tile's edges too so the repeat has no seams.
    for (const dx of [-TILE_PX, 0, TILE_PX]) {
      for (const dy of [-TILE_PX, 0, TILE_PX]) {
        const g = ctx.createRadialGradient(x + dx, y + dy, 0, x + dx, y + dy, radius);
        g.addColorStop(0, `rgba(190, 200, 220, ${alpha})`);
        g.addColorStop(1, "rgba(190, 200, 220, 0)");
        ctx.fillStyle = g;
        ctx.fillRect(x + dx - radius, y + dy - radius, radius * 2, radius * 2);
      }
    }
  }
  return c;
}

/** The fog pattern for a context (null where canvas is unavailable). */
export function fogPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
  tile ??= drawTile();
  return tile ? ctx.createPattern(tile, "repeat") : null;
}
