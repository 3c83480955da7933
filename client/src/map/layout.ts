import { tick } from "svelte";

/**
 * The widths at which a workspace's side panel becomes a bottom sheet over the map (LAYOUT2). They match the
 * `@media` rules of PlayerWorkspace.svelte and DmWorkspace.svelte (CSS cannot import them: keep both in step).
 */
/** The player's panel is a sheet on phones. */
export const PHONE_LAYOUT = "(max-width: 48rem)";
/** The DM's panel (wider: tools and pending list) is a sheet on tablets and phones. */
export const DM_SHEET_LAYOUT = "(max-width: 56rem)";

/**
 * Once the sheet has opened for `hex` (after Svelte's next update), pan the map so the sheet does not cover the hex —
 * when the page is in the sheet layout `media` (LAYOUT2).
 */
export async function keepAboveSheet(
  map: { keepInView(key: string, coveredBottomPx: number): void } | undefined,
  hex: string,
  sheet: () => HTMLElement | undefined,
  media: string,
): Promise<void> {
  await tick();
  const el = sheet();
  if (el && el.offsetHeight > 0 && matchMedia(media).matches) map?.keepInView(hex, el.offsetHeight);
}
