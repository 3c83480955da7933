/**
 * Revocation on the wire (REVOKE1 in SPEC.md): the reason of a Hocuspocus Close message the server sends for one
 * document when the member's role no longer allows it. Clients read it to reload the member's role.
 */
export const ACCESS_REVOKED_PREFIX = "access-revoked";

/** True for the reason of a per-document close that means "your access to this document was taken away". */
export function isAccessRevoked(reason: string | null | undefined): boolean {
  return typeof reason === "string" && reason.startsWith(ACCESS_REVOKED_PREFIX);
}
