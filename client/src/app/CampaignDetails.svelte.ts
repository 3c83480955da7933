import { isDmRole } from "@hexcrawl/shared/docNames";
import { z } from "zod";
import {
  api,
  CampaignSchema,
  errorMessage,
  isNetworkError,
  MemberSchema,
  type Campaign,
  type Invite,
  type InviteListEntry,
  type InviteOptions,
  type InviteRole,
  type Member,
} from "../connection/api.ts";
import { cacheGet, CacheKey, cachePut } from "../connection/offlineCache.ts";

/** One campaign's details and members, as the campaign page shows them. */
export class CampaignDetails {
  readonly id: string;
  #campaign = $state<Campaign | null>(null);
  #members = $state<Member[]>([]);
  #error = $state<string | null>(null);
  #membersError = $state<string | null>(null);
  #fromCache = $state(false);

  constructor(id: string) {
    this.id = id;
  }

  get campaign(): Campaign | null {
    return this.#campaign;
  }
  get members(): Member[] {
    return this.#members;
  }
  /** Why the campaign itself could not be loaded (not found, not a member…). */
  get error(): string | null {
    return this.#error;
  }
  get membersError(): string | null {
    return this.#membersError;
  }
  /** True for owner and dm: they edit the DM document and may invite. */
  get isDm(): boolean {
    return this.#campaign !== null && isDmRole(this.#campaign.role);
  }

  /** True when what is shown comes from this device's cache (the server could not be reached). */
  get fromCache(): boolean {
    return this.#fromCache;
  }

  /**
   * Load campaign then members; failures land in `error` / `membersError`. When the server cannot be
   * reached, the last answers kept on this device are used instead (OFF5).
   */
  async load(): Promise<void> {
    try {
      this.#campaign = (await api.getCampaign(this.id)).campaign;
      this.#error = null;
      this.#fromCache = false;
      cachePut(CacheKey.campaign(this.id), this.#campaign);
    } catch (err) {
      const cached = isNetworkError(err) ? cacheGet(CacheKey.campaign(this.id), CampaignSchema) : null;
      if (!cached) {
        this.#error = errorMessage(err);
        return;
      }
      this.#campaign = cached;
      this.#fromCache = true;
    }
    await this.loadMembers();
  }

  async loadMembers(): Promise<void> {
    try {
      this.#members = (await api.listMembers(this.id)).members;
      this.#membersError = null;
      cachePut(CacheKey.members(this.id), this.#members);
    } catch (err) {
      const cached = isNetworkError(err) ? cacheGet(CacheKey.members(this.id), z.array(MemberSchema)) : null;
      if (cached) this.#members = cached;
      else this.#membersError = errorMessage(err);
    }
  }

  /** True for the owner: they change roles and remove DMs. */
  get isOwner(): boolean {
    return this.#campaign?.role === "owner";
  }

  /** Create an invite; throws ApiError so the panel can show the message. */
  createInvite(role: InviteRole, opts: InviteOptions = {}): Promise<Invite> {
    return api.createInvite(this.id, role, opts);
  }

  /** The invites that can still be accepted (DMs). */
  async listInvites(): Promise<InviteListEntry[]> {
    return (await api.listInvites(this.id)).invites;
  }

  revokeInvite(code: string): Promise<unknown> {
    return api.revokeInvite(this.id, code);
  }

  /** Remove a member (the DMs' pushed list follows by itself; this page's own list is reloaded). */
  async removeMember(userId: string): Promise<void> {
    await api.removeMember(this.id, userId);
    await this.loadMembers();
  }

  /** Change a member's role (owner only). */
  async changeRole(userId: string, role: InviteRole): Promise<void> {
    await api.changeRole(this.id, userId, role);
    await this.loadMembers();
  }
}
