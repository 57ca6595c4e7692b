import type { WebClient } from '@slack/web-api';
import type { FileRef } from '../domain/fields.js';
import type { FileDirectory } from '../domain/ports.js';

/** Answers Slack gives for a file the bot cannot attach: none by that id, deleted, or not visible to the bot. */
const NOT_A_FILE = new Set(['file_not_found', 'file_deleted', 'invalid_file_id', 'access_denied']);

/** Looks files up with files.info (scope files:read). */
export class SlackFileDirectory implements FileDirectory {
  constructor(private readonly client: WebClient) {}

  async find(fileId: string): Promise<FileRef | null> {
    try {
      const { file } = await this.client.files.info({ file: fileId });
      if (!file?.id || !file.name || !file.permalink) return null;
      return { id: file.id, name: file.name, permalink: file.permalink };
    } catch (error) {
      // Any other failure (Slack down, rate limits) is not an answer about the file: the caller gets a server error and may retry.
      if (NOT_A_FILE.has(String((error as { data?: { error?: unknown } }).data?.error))) return null;
      throw error;
    }
  }
}
