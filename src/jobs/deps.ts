import type { WorkflowConfig } from '../config/workflow-schema.js';
import type { HandoffRepo } from '../db/handoff-repo.js';
import type { JobLeaseRepo } from '../db/job-lease-repo.js';
import type { QualityRepo } from '../db/quality-repo.js';
import type { StallRepo } from '../db/stall-repo.js';
import type { WeeklyReportRepo } from '../db/weekly-report-repo.js';
import type { OutboxSignal, PeopleDirectory } from '../domain/ports.js';
import type { Metrics } from '../metrics.js';
import type { AwayService } from '../services/away-service.js';
import type { WeeklyReportService } from '../services/weekly-report-service.js';

export interface JobDeps {
  readonly config: WorkflowConfig;
  readonly handoffs: HandoffRepo;
  readonly stalls: StallRepo;
  readonly people: PeopleDirectory;
  readonly outbox: OutboxSignal;
  /** Who leads which teams, and their weekly figures. */
  readonly weekly: Pick<WeeklyReportService, 'leads' | 'build'>;
  /** Which weekly reports went out. */
  readonly reports: WeeklyReportRepo;
  /**
   * Records the insights facts of events written without them (by an older version of the bot
   * during a rolling deploy) before the reports read them; absent, nothing is caught up.
   */
  readonly quality?: Pick<QualityRepo, 'catchUp'>;
  readonly logger: { info(...m: unknown[]): void; warn(...m: unknown[]): void };
  /** Times and counts each scheduled run for /metrics. */
  readonly metrics?: Pick<Metrics, 'timeJob'>;
  /** Moves offers whose time ran out on to the next member; absent, no team offers. */
  readonly offers?: { moveTimedOutOffers(now: Date): Promise<number> };
  /**
   * Sends what an away person would get to their backup or leads, tells digests whose owner is away,
   * and reads Slack statuses before a nudge run; absent, nobody is away.
   */
  readonly away?: Pick<AwayService, 'cover' | 'awayAmong'> & Partial<Pick<AwayService, 'refreshSlackStatuses'>>;
  /** The job lease rows: the scheduler and `jobs run` run a job only while holding its lease; absent, no lease is taken. */
  readonly lease?: JobLeasing;
}

/** Who runs a job: this instance's id and where the leases are kept. */
export interface JobLeasing {
  readonly repo: Pick<JobLeaseRepo, 'take' | 'release' | 'holder'>;
  /** This instance's id (the one its outbox leases carry). */
  readonly owner: string;
  /** How long a lease lasts unless renewed (default JOB_LEASE_MS). */
  readonly ttlMs?: number;
}

/** The actor recorded on events the bot causes by itself. */
export const SYSTEM_ACTOR = 'handoff';
