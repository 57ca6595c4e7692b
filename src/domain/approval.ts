import type { HandoffTypeConfig, TeamConfig, WorkflowConfig } from '../config/workflow-schema.js';
import { peopleOf } from './escalation.js';
import { ownEntry } from './own-entry.js';

/**
 * Who may approve a handoff of this type started by `requesterId`: the people its `approval.by`
 * names as the config stands now, never the requester (nobody approves their own request).
 * Empty for a type without approval.
 */
export function approversOf(type: HandoffTypeConfig, teams: Readonly<Record<string, TeamConfig>>, requesterId: string): string[] {
  if (!type.approval) return [];
  const leadsOf = (teamKey: string) => ownEntry(teams, teamKey)?.leads ?? [];
  return peopleOf(type.approval.by, leadsOf, type.from).filter((id) => id !== requesterId);
}

/** Who may approve this handoff now, by its type as configured; empty when the type is gone or asks for no approval. */
export function approversOfHandoff(config: Pick<WorkflowConfig, 'handoffTypes' | 'teams'>, h: { readonly typeKey: string; readonly requesterId: string }): string[] {
  const type = ownEntry(config.handoffTypes, h.typeKey);
  return type ? approversOf(type, config.teams, h.requesterId) : [];
}

/**
 * The team whose business clock `sla.approve` runs on: the team that approves (`{ team }`), else the
 * sending team, else (listed people on a type anyone may start) the receiving team.
 */
export function approvalTeamOf(type: HandoffTypeConfig): string {
  const by = type.approval?.by;
  if (by !== undefined && by !== 'leads' && !Array.isArray(by)) return by.team;
  return type.from ?? type.to;
}
