// Views return Slack's Block Kit unions (KnownBlock, ActionsBlockElement, …); a test that knows which member
// it expects narrows with these instead of reading properties off `any`.

type Typed = { readonly type: string };
export type OfType<U extends Typed, T extends U['type']> = Extract<U, { type: T }>;

/** `x`, which the test expects to be a `type` object: anything else fails the test here, with what it was. */
export function ofType<U extends Typed, T extends U['type']>(x: U | undefined, type: T): OfType<U, T> {
  if (x?.type !== type) throw new Error(`expected a ${type}, got ${x ? x.type : 'nothing'}`);
  return x as OfType<U, T>;
}

/** Every one of `xs` that is a `type` object. */
export function allOfType<U extends Typed, T extends U['type']>(xs: readonly U[], type: T): OfType<U, T>[] {
  return xs.filter((x): x is OfType<U, T> => x.type === type);
}

/** A property the object's Block Kit type may not declare, for asserting that it is absent. */
export function propertyOf(o: object, key: string): unknown {
  return (o as Record<string, unknown>)[key];
}
