import type { WorkflowConfig } from '../config/workflow-schema';
import type { HandoffRepo } from '../db/handoff-repo';
import type { StallRepo } from '../db/stall-repo';
import type { OutboxSignal, PeopleDirectory } from '../domain/ports';

export interface JobDeps {
  readonly config: WorkflowConfig;
  readonly handoffs: HandoffRepo;
  readonly stalls: StallRepo;
  readonly people: PeopleDirectory;
  readonly outbox: OutboxSignal;
  readonly logger: { info(...m: unknown[]): void; warn(...m: unknown[]): void };
}

/** The actor recorded on events the bot causes by itself. */
export const SYSTEM_ACTOR = 'handoff';
