import { api, errorMessage, type Campaign } from "../connection/api.ts";

/** The signed-in user's campaigns, with create. */
export class CampaignList {
  #campaigns = $state<Campaign[]>([]);
  #loading = $state(false);
  #error = $state<string | null>(null);

  get campaigns(): Campaign[] {
    return this.#campaigns;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Load the list; a failure is shown through `error`, never thrown. */
  async load(): Promise<void> {
    this.#loading = true;
    try {
      this.#campaigns = (await api.listCampaigns()).campaigns;
      this.#error = null;
    } catch (err) {
      this.#error = errorMessage(err);
    } finally {
      this.#loading = false;
    }
  }

  /** Create a campaign and add it to the list; throws ApiError so the form can show the message. */
  async create(name: string): Promise<Campaign> {
    const { campaign } = await api.createCampaign(name);
    this.#campaigns = [campaign, ...this.#campaigns.filter((c) => c.id !== campaign.id)];
    return campaign;
  }
}
