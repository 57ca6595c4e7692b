/** Codes the services raise; the Slack layer maps each to a surface (field errors, ephemeral, DM). */
export type DomainErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'invalid_state'
  | 'conflict'
  | 'validation'
  | 'duplicate'
  | 'unknown_type'
  | 'rate_limited';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Per-field messages for `validation` and `duplicate`, keyed by field key. */
    readonly fieldErrors: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
