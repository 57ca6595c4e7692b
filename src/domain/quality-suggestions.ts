import { stringify } from 'yaml';
import type { FieldConfig, HandoffTypeConfig } from '../config/workflow-schema.js';
import type { QualityFigures } from './quality-metrics.js';

/** A field or reason is worth acting on when it came up in at least this share of a type's returns… */
export const SUGGESTION_SHARE = 0.25;
/** …and at least this many times. */
export const SUGGESTION_MIN_COUNT = 3;

export type SuggestionKind = 'require' | 'pattern_or_hint' | 'new_field';

/** A change to a type's definition that would have prevented returns, with the YAML to paste. */
export interface Suggestion {
  readonly typeKey: string;
  readonly kind: SuggestionKind;
  /** The flagged field, or the key proposed for a new one. */
  readonly fieldKey: string;
  /** The "something else" reason that repeats (new_field only). */
  readonly reason?: string;
  readonly count: number;
  /** Returns of the type in the period. */
  readonly returns: number;
  /** One line of the type's `fields:` list: the field changed, or the new field. */
  readonly yaml: string;
}

const MAX_KEY = 50;

/** The field as it would be written in the config, with the defaults (`required: false`, `unique: false`) left out. */
function fieldLine(field: FieldConfig): string {
  const { key, label, type, required, unique, ...rest } = field;
  const written: Record<string, unknown> = { key, label, type, ...(required ? { required: true } : {}), ...(unique ? { unique: true } : {}), ...rest };
  return `- ${stringify(written, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`;
}

/** A field key from a reason's words ("Needs customs form!" → needs_customs_form), distinct from the type's keys. */
export function fieldKeyFor(reason: string, taken: ReadonlySet<string>): string {
  const words = reason
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  let base = '';
  for (const w of words) {
    const next = base ? `${base}_${w}` : w;
    if (next.length > MAX_KEY - 3) break;
    base = next;
  }
  if (!/^[a-z]/.test(base)) base = `field${base ? `_${base}` : ''}`.slice(0, MAX_KEY - 3);
  let key = base;
  for (let n = 2; taken.has(key) || key in Object.prototype; n++) key = `${base}_${n}`;
  return key;
}

function labelFor(reason: string): string {
  const text = reason.trim().replace(/\s+/g, ' ');
  const short = [...text].length > 75 ? `${[...text].slice(0, 74).join('').trimEnd()}…` : text;
  return short.charAt(0).toUpperCase() + short.slice(1);
}

const often = (count: number, returns: number) => count >= SUGGESTION_MIN_COUNT && count >= SUGGESTION_SHARE * returns;

/**
 * What to change in a type's definition, from its returns in a period: a field flagged in at least a
 * quarter of the returns (and at least 3 times) should be required when it is not, and needs a
 * `pattern` or a `hint` when it is required and still comes back (it was there, but wrong). A
 * "something else" reason that repeats in the same words suggests a field the type lacks.
 */
export function suggestTypeChanges(typeKey: string, type: HandoffTypeConfig, figures: QualityFigures): Suggestion[] {
  const { returns } = figures;
  const out: Suggestion[] = [];
  for (const flagged of figures.flaggedFields) {
    const field = type.fields.find((f) => f.key === flagged.key);
    if (!field || !often(flagged.count, returns)) continue;
    const base = { typeKey, fieldKey: field.key, count: flagged.count, returns };
    if (!field.required) out.push({ ...base, kind: 'require', yaml: fieldLine({ ...field, required: true }) });
    else {
      // The hint a person sees under the field: what the team kept returning it for.
      const hint = `Often returned${flagged.topReason ? `: ${flagged.topReason.replace(/\s+/g, ' ').slice(0, 150)}` : ' as wrong: check it before sending'}`;
      out.push({ ...base, kind: 'pattern_or_hint', yaml: fieldLine({ ...field, hint }) });
    }
  }
  const taken = new Set(type.fields.map((f) => f.key));
  for (const r of figures.somethingElseReasons) {
    if (!often(r.count, returns)) continue;
    const key = fieldKeyFor(r.reason, taken);
    taken.add(key);
    out.push({ typeKey, kind: 'new_field', fieldKey: key, reason: r.reason, count: r.count, returns, yaml: fieldLine({ key, label: labelFor(r.reason), type: 'text', required: false, unique: false }) });
  }
  return out;
}
