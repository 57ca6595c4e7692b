import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so the same definition always hashes the same whatever the YAML's key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * The version of a handoff type's definition: the first 12 hex digits of the SHA-256 of its config
 * as loaded (defaults filled in, keys sorted). Any change that reaches the parsed config (a field
 * made required, a new hint, a new SLA) is a new version; comments and key order are not.
 */
export function typeVersionOf(type: unknown): string {
  return createHash('sha256').update(canonicalJson(type)).digest('hex').slice(0, 12);
}
