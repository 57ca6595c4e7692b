import { type FieldValue, type FieldValues, type FileRef, isFileList } from './fields.js';
import type { HandoffState } from './lifecycle.js';

/** What an exported row needs of a handoff. */
export interface ExportSource {
  readonly id: number;
  readonly typeKey: string;
  readonly fromTeam: string | null;
  readonly toTeam: string;
  readonly state: HandoffState;
  readonly title: string;
  readonly requesterId: string;
  readonly ownerId: string;
  readonly parentId: number | null;
  readonly fields: FieldValues;
  readonly completion: FieldValues | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly queuedAt: Date;
  readonly acceptedAt: Date | null;
  readonly closedAt: Date | null;
  readonly acceptDueAt: Date | null;
  readonly completeDueAt: Date | null;
  readonly permalink: string | null;
  /** Its returns, oldest first, with what each flagged (field keys; `_something_else`). */
  readonly returns?: ReadonlyArray<{ readonly flaggedFields: readonly string[]; readonly somethingElse: boolean }>;
}

/** A file field exports each file's id, name and link. */
export type ExportValue = string | number | string[] | FileRef[] | null;
export type ExportRecord = Record<string, ExportValue>;

/** The columns every row has, before one column per field key (`field.<key>`, `completion.<key>`). */
export const FIXED_COLUMNS = [
  'id',
  'type',
  'type_name',
  'from_team',
  'to_team',
  'state',
  'title',
  'requester_id',
  'owner_id',
  'parent_id',
  'created_at',
  'queued_at',
  'accepted_at',
  'closed_at',
  'updated_at',
  'accept_due_at',
  'complete_due_at',
  'time_to_accept_business_minutes',
  'time_to_complete_business_minutes',
  'total_minutes',
  'permalink',
  'returns',
  'returns_flagged',
] as const;

/** Stands for "something else" among a return's flagged fields in exports (a field key never starts with `_`). */
export const SOMETHING_ELSE_KEY = '_something_else';

export interface ExportColumns {
  readonly fields: readonly string[];
  readonly completion: readonly string[];
}

export function exportColumnNames(c: ExportColumns): string[] {
  return [...FIXED_COLUMNS, ...c.fields.map((k) => `field.${k}`), ...c.completion.map((k) => `completion.${k}`)];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const round = (n: number) => Math.round(n * 10) / 10;

/**
 * One handoff as a flat record: its fields, people, timestamps (ISO 8601, UTC) and durations.
 * Business durations are on the receiving team's clock (`minutesBetween`) and cover the last
 * cycle: time to accept from when it last entered the queue, time to complete from its acceptance.
 * `total_minutes` is wall-clock time from creation to closing. Values keep their types.
 */
export function toExportRecord(h: ExportSource, c: ExportColumns, typeName: string, minutesBetween: (a: Date, b: Date) => number): ExportRecord {
  const accepted = h.acceptedAt;
  const record: ExportRecord = {
    id: h.id,
    type: h.typeKey,
    type_name: typeName,
    from_team: h.fromTeam,
    to_team: h.toTeam,
    state: h.state,
    title: h.title,
    requester_id: h.requesterId,
    owner_id: h.ownerId,
    parent_id: h.parentId,
    created_at: iso(h.createdAt),
    queued_at: iso(h.queuedAt),
    accepted_at: iso(accepted),
    closed_at: iso(h.closedAt),
    updated_at: iso(h.updatedAt),
    accept_due_at: iso(h.acceptDueAt),
    complete_due_at: iso(h.completeDueAt),
    time_to_accept_business_minutes: accepted && accepted >= h.queuedAt ? round(minutesBetween(h.queuedAt, accepted)) : null,
    time_to_complete_business_minutes: accepted && h.state === 'done' && h.closedAt ? round(minutesBetween(accepted, h.closedAt)) : null,
    total_minutes: h.closedAt ? round((h.closedAt.getTime() - h.createdAt.getTime()) / 60_000) : null,
    permalink: h.permalink,
    returns: h.returns?.length ?? 0,
    // One entry per return: the keys it flagged, comma-separated (empty when it flagged nothing).
    returns_flagged: (h.returns ?? []).map((r) => [...r.flaggedFields, ...(r.somethingElse ? [SOMETHING_ELSE_KEY] : [])].join(',')),
  };
  const value = (v: FieldValue | undefined): ExportValue =>
    v === undefined ? null : isFileList(v) ? v.map((f) => ({ id: f.id, name: f.name, permalink: f.permalink })) : Array.isArray(v) ? v.filter((x) => typeof x === 'string') : v;
  for (const k of c.fields) record[`field.${k}`] = value(h.fields[k]);
  for (const k of c.completion) record[`completion.${k}`] = value(h.completion?.[k]);
  return record;
}

/** Separates several values (a multiselect) inside one CSV cell. */
export const CSV_LIST_SEPARATOR = '; ';

/** What starts a formula (=, +, -, @) past any `;` and whitespace, or a tab or CR: OWASP's CSV injection list. */
const FORMULA = String.raw`(?:[\s;]*[=+\-@]|[\t\r])`;
const FORMULA_AFTER_SEMICOLON = new RegExp(`;(?=${FORMULA})`, 'g');
const FORMULA_AT_START = new RegExp(`^${FORMULA}`);

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma, CR or LF, with quotes doubled.
 * Text a spreadsheet would run as a formula gets an apostrophe where its cell would start: at the
 * start (`=1+1` → `'=1+1`, ` -1` → `' -1`) and after each `;` (`a;=1+1` → `a;'=1+1`), because a
 * spreadsheet in a locale whose separator is `;` starts a new cell there even inside our quotes,
 * and an apostrophe before the `;` would not reach that cell. Numbers stay numbers.
 */
export function csvCell(v: ExportValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const items = Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : `${x.name} ${x.permalink} (${x.id})`)) : null;
  let text = (items ? items.join(CSV_LIST_SEPARATOR) : (v as string)).replace(FORMULA_AFTER_SEMICOLON, ";'");
  if (FORMULA_AT_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV record with its CRLF line break. */
export function csvLine(values: readonly ExportValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export function jsonLine(record: ExportRecord): string {
  return `${JSON.stringify(record)}\n`;
}
