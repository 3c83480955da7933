/**
 * "Try a sample campaign" (FIRST2): the home page creates a campaign and asks, through this device's session
 * storage, for the sample map to be written into its DM document on first open — only if the document is still
 * empty once synced, so a reload or a second device never writes it twice.
 */
const KEY_PREFIX = "hexcrawl.sample.";

export function requestSample(campaignId: string): void {
  try {
    sessionStorage.setItem(KEY_PREFIX + campaignId, "1");
  } catch {
    // No storage: the campaign opens empty, as a new one would.
  }
}

/** True once per request: the flag is cleared when read. */
export function takeSampleRequest(campaignId: string): boolean {
  try {
    const key = KEY_PREFIX + campaignId;
    if (sessionStorage.getItem(key) === null) return false;
    sessionStorage.removeItem(key);
    return true;
  } catch {
    return false;
  }
}
