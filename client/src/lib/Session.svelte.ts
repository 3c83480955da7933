import { createContext } from "svelte";
import { api, ApiError, type User } from "./api.ts";

/** The signed-in user, as far as the server's session cookie says. */
export class Session {
  #user = $state<User | null>(null);
  #loaded = $state(false);
  #loadError = $state<string | null>(null);

  /** The signed-in user, or null. Only meaningful once `loaded`. */
  get user(): User | null {
    return this.#user;
  }

  /** True after the first `refresh` finished (successfully or not). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Why the session could not be read (server unreachable…); null when it could. */
  get loadError(): string | null {
    return this.#loadError;
  }

  /** Ask the server who we are. Never throws: a failure leaves the user signed out with `loadError` set. */
  async refresh(): Promise<void> {
    try {
      const res = await api.getSession();
      this.#user = res?.user ?? null;
      this.#loadError = null;
    } catch (err) {
      this.#user = null;
      this.#loadError = err instanceof Error ? err.message : "Cannot read the session.";
    } finally {
      this.#loaded = true;
    }
  }

  /** Sign in; throws ApiError with the server's message on failure. */
  async signIn(email: string, password: string): Promise<void> {
    await api.signIn(email, password);
    await this.#requireUser();
  }

  /** Create an account and sign in; throws ApiError with the server's message on failure. */
  async signUp(name: string, email: string, password: string): Promise<void> {
    await api.signUp(name, email, password);
    await this.#requireUser();
  }

  async signOut(): Promise<void> {
    await api.signOut();
    this.#user = null;
  }

  // The auth routes answer before the browser has necessarily stored the cookie we rely on;
  // reading the session back proves the cookie works (it fails e.g. on a Secure cookie over http).
  async #requireUser(): Promise<void> {
    await this.refresh();
    if (this.#user === null) {
      throw new ApiError("no_session", "Signed in, but the browser did not keep the session. Are cookies blocked?", 0);
    }
  }
}

/** Context pair for the app's one Session. */
export const [getSession, setSession] = createContext<Session>();
