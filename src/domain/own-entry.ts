/**
 * The value a record holds under `key` itself, never one inherited from its prototype: a type,
 * team or field named by a person or a request (`constructor`, `__proto__`, `toString`) must be
 * "not configured", not a member of Object.prototype.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
