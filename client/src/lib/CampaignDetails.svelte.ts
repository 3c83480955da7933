import { isDmRole } from "@hexcrawl/shared/docNames";
import { api, errorMessage, type Campaign, type Invite, type Member } from "./api.ts";

/** One campaign's details and members, as the campaign page shows them. */
export class CampaignDetails {
  readonly id: string;
  #campaign = $state<Campaign | null>(null);
  #members = $state<Member[]>([]);
  #error = $state<string | null>(null);
  #membersError = $state<string | null>(null);

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

  /** Load campaign then members; failures land in `error` / `membersError`. */
  async load(): Promise<void> {
    try {
      this.#campaign = (await api.getCampaign(this.id)).campaign;
      this.#error = null;
    } catch (err) {
      this.#error = errorMessage(err);
      return;
    }
    await this.loadMembers();
  }

  async loadMembers(): Promise<void> {
    try {
      this.#members = (await api.listMembers(this.id)).members;
      this.#membersError = null;
    } catch (err) {
      this.#membersError = errorMessage(err);
    }
  }

  /** Create an invite; throws ApiError so the panel can show the message. */
  createInvite(role: "player" | "dm"): Promise<Invite> {
    return api.createInvite(this.id, role);
  }
}
