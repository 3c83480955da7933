import { z } from "zod";

/**
 * Names people give (display names, campaign names) and texts that reach other people's screens, the event log or
 * awareness (NAME1–NAME4 in SPEC.md). Pure; used by the server's checks, the HTTP contract and the client's forms.
 */

/** Longest display name, in characters after trimming. */
export const MAX_DISPLAY_NAME_CHARS = 64;

/**
 * Characters refused in names: C0 and C1 controls (NUL breaks Postgres text), line and paragraph separators, and the
 * bidirectional overrides and isolates (they make a name display as someone else's).
 */
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** True when `text` holds a character names may not contain. */
export function hasForbiddenChars(text: string): boolean {
  return FORBIDDEN_CHARS.test(text);
}

/** Why a display name is refused, or null when it is fine (checked on the trimmed value). */
export function displayNameProblem(name: unknown): string | null {
  if (typeof name !== "string") return "The name must be text.";
  const trimmed = name.trim();
  if (trimmed.length === 0) return "The name cannot be empty.";
  if ([...trimmed].length > MAX_DISPLAY_NAME_CHARS) return `The name is longer than ${MAX_DISPLAY_NAME_CHARS} characters.`;
  if (hasForbiddenChars(trimmed)) return "The name contains control characters.";
  return null;
}

/** A display name: 1–64 characters after trimming, no control characters. */
export const DisplayNameSchema = z
  .string()
  .trim()
  .min(1)
  .refine((s) => [...s].length <= MAX_DISPLAY_NAME_CHARS, `at most ${MAX_DISPLAY_NAME_CHARS} characters`)
  .refine((s) => !hasForbiddenChars(s), "no control characters");

/** A name of `maxChars` at most, trimmed, no control characters (campaign names). */
export function nameSchema(maxChars: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(maxChars)
    .refine((s) => !hasForbiddenChars(s), "no control characters");
}

/**
 * A text cut to `maxChars` characters (whole code points) with control characters replaced — for what reaches the
 * event log or awareness from a source that predates the checks (an account made before them).
 */
export function boundText(text: string, maxChars: number): string {
  const clean = text.replace(new RegExp(FORBIDDEN_CHARS.source, "gu"), " ");
  const chars = [...clean];
  return chars.length <= maxChars ? clean : chars.slice(0, maxChars).join("");
}
