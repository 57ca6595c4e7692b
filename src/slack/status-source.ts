import type { WebClient } from '@slack/web-api';
import type { SlackStatus } from '../domain/away-status.js';
import type { StatusSource } from '../domain/ports.js';

/** Reads a person's status with users.profile.get (scope users.profile:read). */
export class SlackStatusSource implements StatusSource {
  constructor(private readonly client: WebClient) {}

  async status(userId: string): Promise<SlackStatus> {
    const res = await this.client.users.profile.get({ user: userId });
    const p = res.profile;
    return { emoji: p?.status_emoji ?? '', text: p?.status_text ?? '', expiration: Number(p?.status_expiration ?? 0) || 0 };
  }
}
