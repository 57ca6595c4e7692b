import type { WorkflowConfig } from '../config/workflow-schema.js';

/** Someone you can be on the sandbox page: a person from the config, or a member the emulator made up for a user group. */
export interface SandboxPerson {
  readonly id: string;
  readonly name: string;
  /** "Sales lead", "Operations", "Fulfilment (user group S0FULFIL)" … one per team. */
  readonly roles: readonly string[];
  readonly tz: string;
}

export interface SandboxChannel {
  readonly id: string;
  readonly name: string;
  /** The team whose handoffs are posted there, if any. */
  readonly teamKey?: string;
}

export interface SandboxWorkspace {
  readonly people: readonly SandboxPerson[];
  /** User group id → members, as usergroups.users.list answers. */
  readonly usergroups: Readonly<Record<string, readonly string[]>>;
  readonly channels: readonly SandboxChannel[];
}

/** Where people type commands when they are not in a team channel. */
export const GENERAL_CHANNEL: SandboxChannel = { id: 'C0GENERAL', name: 'general' };

/** How many members the emulator invents for a team defined by a user group. */
const GROUP_MEMBERS = 2;

const FIRST_NAMES = [
  'Ava', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farid', 'Grace', 'Hiro', 'Isla', 'Jonas', 'Kemi', 'Liam', 'Maya', 'Noah', 'Olga',
  'Priya', 'Quinn', 'Ravi', 'Sofia', 'Tomás', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoe',
];

/** A channel name Slack would accept, from a team key. */
function channelName(teamKey: string): string {
  return teamKey.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 80);
}

/**
 * The people, user groups and channels of the sandbox's made-up workspace, from the workflow file:
 * everyone in a team's `members` and `leads`, and for a team with a `usergroup` a few invented members
 * of that group (the emulator answers usergroups.users.list with them). People get first names in
 * config order and their first team's timezone; team channels are named after the team keys.
 */
export function buildSandboxPeople(workflow: WorkflowConfig): SandboxWorkspace {
  const people = new Map<string, { roles: string[]; tz: string }>();
  const usergroups: Record<string, string[]> = {};
  const add = (id: string, role: string, tz: string) => {
    const known = people.get(id);
    if (known) known.roles.push(role);
    else people.set(id, { roles: [role], tz });
  };
  for (const team of Object.values(workflow.teams)) {
    if (team.usergroup && !Object.hasOwn(usergroups, team.usergroup)) {
      const base = team.usergroup.slice(1);
      usergroups[team.usergroup] = Array.from({ length: GROUP_MEMBERS }, (_, i) => `U${base}${String(i + 1).padStart(2, '0')}`);
    }
    const members = team.members ?? (team.usergroup ? usergroups[team.usergroup] : []);
    for (const id of members) add(id, team.members ? team.name : `${team.name} (user group ${team.usergroup})`, team.timezone);
    for (const id of team.leads) add(id, `${team.name} lead`, team.timezone);
  }
  const list: SandboxPerson[] = [...people].map(([id, p], i) => ({
    id,
    name: FIRST_NAMES[i % FIRST_NAMES.length] + (i >= FIRST_NAMES.length ? ` ${Math.floor(i / FIRST_NAMES.length) + 1}` : ''),
    roles: p.roles,
    tz: p.tz,
  }));
  const channels: SandboxChannel[] = [];
  const seen = new Set<string>();
  for (const [key, team] of Object.entries(workflow.teams)) {
    if (seen.has(team.channel)) continue;
    seen.add(team.channel);
    channels.push({ id: team.channel, name: channelName(key), teamKey: key });
  }
  if (!seen.has(GENERAL_CHANNEL.id)) channels.unshift(GENERAL_CHANNEL);
  return { people: list, usergroups, channels };
}
