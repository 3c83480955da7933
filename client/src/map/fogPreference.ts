/** The DM's fog opacity (percent, 0–90) over what players do not know: a preference of this device (LAYOUT3). */
const KEY = "hexcrawl.dmFog";
export const FOG_DEFAULT_PERCENT = 50;

export function readFogPreference(): number {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const n = raw === null || raw === undefined ? NaN : Number(raw);
    return Number.isFinite(n) && n >= 0 && n <= 90 ? n : FOG_DEFAULT_PERCENT;
  } catch {
    return FOG_DEFAULT_PERCENT;
  }
}

export function writeFogPreference(percent: number): void {
  try {
    globalThis.localStorage?.setItem(KEY, String(Math.round(Math.min(90, Math.max(0, percent)))));
  } catch {
    // Storage may be off (private mode): the setting lasts for this page only.
  }
}
