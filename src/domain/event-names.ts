import type { EventType } from './lifecycle.js';

/** The names events have outside the bot (webhooks, the API, exports): what people call them. */
const PUBLIC_NAMES: Record<EventType, string> = {
  created: 'created',
  accepted: 'accepted',
  rejected: 'returned',
  resubmitted: 'resubmitted',
  completed: 'done',
  reassigned: 'reassigned',
  released: 'released',
  cancelled: 'cancelled',
  snoozed: 'snoozed',
  nudged: 'nudged',
  offered: 'offered',
  passed: 'passed',
  offer_expired: 'offer_expired',
  offers_exhausted: 'offers_exhausted',
  approved: 'approved',
  declined: 'declined',
};

export function publicEventName(type: EventType): string {
  return PUBLIC_NAMES[type];
}
