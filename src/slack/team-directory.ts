import type { WebClient } from '@slack/web-api';
import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { TeamDirectory } from '../domain/ports.js';
import { ownEntry } from '../domain/own-entry.js';

/**
 * Slack sends `subteam_members_changed` to one instance only (whichever the load balancer picks),
 * so the others learn of a change when their copy runs out: short enough that instances agree
 * within minutes, long enough to stay far below usergroups.users.list's Tier 2 limit.
 */
const CACHE_MS = 3 * 60 * 1000;

/** Team membership from the config, or from a Slack user group (cached; refreshed on subteam events). */
export class SlackTeamDirectory implements TeamDirectory {
  private readonly groups = new Map<string, { users: readonly string[]; at: number; pending?: Promise<readonly string[]> }>();

  constructor(
    private readonly config: WorkflowConfig,
    private readonly client: WebClient,
  ) {}

  isLead(teamKey: string, userId: string): boolean {
    return ownEntry(this.config.teams, teamKey)?.leads.includes(userId) ?? false;
  }

  async isMember(teamKey: string, userId: string): Promise<boolean> {
    return (await this.members(teamKey)).includes(userId);
  }

  async teamsOf(userId: string): Promise<string[]> {
    const teams: string[] = [];
    for (const key of Object.keys(this.config.teams)) if (this.isLead(key, userId) || (await this.isMember(key, userId))) teams.push(key);
    return teams;
  }

  async members(teamKey: string): Promise<readonly string[]> {
    const team = ownEntry(this.config.teams, teamKey);
    if (!team) return [];
    if (team.members) return team.members;
    return team.usergroup ? this.usergroupMembers(team.usergroup) : [];
  }

  knownMembers(teamKey: string): readonly string[] | null {
    const team = ownEntry(this.config.teams, teamKey);
    if (team?.members) return team.members;
    const cached = team?.usergroup ? this.groups.get(team.usergroup) : undefined;
    return cached && cached.at > 0 && Date.now() - cached.at < CACHE_MS ? cached.users : null;
  }

  /** Forget a user group's members, e.g. after `subteam_members_changed`. */
  invalidate(usergroupId?: string): void {
    if (usergroupId) this.groups.delete(usergroupId);
    else this.groups.clear();
  }

  private async usergroupMembers(usergroup: string): Promise<readonly string[]> {
    const cached = this.groups.get(usergroup);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.users;
    if (cached?.pending) return cached.pending;
    // Share one request between concurrent lookups, so ten clicks cost one API call.
    const pending = this.client.usergroups.users
      .list({ usergroup })
      .then((res) => {
        const users = res.users ?? [];
        this.groups.set(usergroup, { users, at: Date.now() });
        return users;
      })
      .catch((error) => {
        if (cached) this.groups.set(usergroup, cached);
        else this.groups.delete(usergroup);
        throw error;
      });
    this.groups.set(usergroup, { users: cached?.users ?? [], at: 0, pending });
    return pending;
  }
}
