/** A WebClient error's fields (code, data, retryAfter, statusCode, …), which a thread boundary would otherwise drop. */
export function serializeError(error: unknown): { message: string } & Record<string, unknown>;
