import { SessionStatus } from "@hexcrawl/shared/session";

/** The overlay text a player sees for a status; null while the session is running. */
export function sessionOverlayText(status: SessionStatus): string | null {
  switch (status) {
    case SessionStatus.waiting:
      return "Waiting for the DM to start the session";
    case SessionStatus.paused:
      return "Session paused";
    case SessionStatus.ended:
      return "Session ended";
    case SessionStatus.preparing:
      return "The DM is preparing the map";
    case SessionStatus.active:
      return null;
  }
}

