import type { WorkflowConfig } from '../../src/config/workflow-schema';
import type { TeamDirectory } from '../../src/domain/ports';

/** Team membership from the config's `members` only, for tests and benches that have no Slack. */
export function configDirectory(config: WorkflowConfig): TeamDirectory {
  const members = (t: string) => config.teams[t]?.members ?? [];
  const isLead = (t: string, u: string) => config.teams[t]?.leads.includes(u) ?? false;
  return {
    isLead,
    isMember: async (t, u) => members(t).includes(u),
    members: async (t) => members(t),
    teamsOf: async (u) => Object.keys(config.teams).filter((t) => isLead(t, u) || members(t).includes(u)),
  };
}
