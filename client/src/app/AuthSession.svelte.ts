import { createContext } from "svelte";
import { api, ApiError, isNetworkError, UserSchema, type User } from "../connection/api.ts";
import { cacheClear, cacheGet, CacheKey, cachePut } from "../connection/offlineCache.ts";

/**
 * The signed-in user, as far as the server's session cookie says (sign-in only; a campaign's game
 * session, as a player sees it, is `PlayerSession`).
 */
export class AuthSession {
  #user = $state<User | null>(null);
  #loaded = $state(false);
  #loadError = $state<string | null>(null);
  #offline = $state(false);

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

  /** True when the user comes from this device's cache because the server could not be reached. */
  get offline(): boolean {
    return this.#offline;
  }

  /**
   * Ask the server who we are. Never throws: a failure leaves the user signed out with `loadError` set,
   * except when the server cannot be reached at all — then the last signed-in user of this device is
   * used, so the maps kept in IndexedDB stay usable offline (OFF5).
   */
  async refresh(): Promise<void> {
    try {
      const res = await api.getSession();
      this.#user = res?.user ?? null;
      this.#loadError = null;
      this.#offline = false;
      if (this.#user) cachePut(CacheKey.user, this.#user);
      else cacheClear();
    } catch (err) {
      const cached = isNetworkError(err) ? cacheGet(CacheKey.user, UserSchema) : null;
      this.#user = cached;
      this.#offline = cached !== null;
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
    cacheClear();
    this.#user = null;
  }

  // The auth routes answer before the browser has necessarily stored the cookie we rely on;
  // reading the session back proves the cookie works (it fails e.g. on a Secure cookie over http).
  async #requireUser(): Promise<void> {
    await this.refresh();
    if (this.#user === null) {
      throw new ApiError("UNAUTHENTICATED", "Signed in, but the browser did not keep the session. Are cookies blocked?");
    }
  }
}

/** Context pair for the app's one AuthSession. */
export const [getAuthSession, setAuthSession] = createContext<AuthSession>();
