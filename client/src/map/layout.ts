/**
 * The widths at which a workspace's side panel becomes a bottom sheet over the map (LAYOUT2). They match the
 * `@media` rules of PlayerWorkspace.svelte and DmWorkspace.svelte (CSS cannot import them: keep both in step).
 */
/** The player's panel is a sheet on phones. */
export const PHONE_LAYOUT = "(max-width: 48rem)";
/** The DM's panel (wider: tools and pending list) is a sheet on tablets and phones. */
export const DM_SHEET_LAYOUT = "(max-width: 56rem)";
