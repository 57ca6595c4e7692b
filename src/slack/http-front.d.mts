import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export const SLACK_BODY_LIMIT: number;
export class TooLarge extends Error {}
export const TOO_LARGE: Answer;
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer>;
/** An HTTP answer: a string body is sent as it is, anything else as JSON. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}
export function writeAnswer(res: ServerResponse, answer: Answer): void;

export class MalformedPayloadError extends Error {
  constructor(problems: string);
  readonly problems: string;
}
export function signature(signingSecret: string, timestamp: number | string, rawBody: string): string;
export function verifySignature(signingSecret: string, rawBody: string, headers: IncomingHttpHeaders, nowMs?: number): boolean;
export function parseSlackBody(rawBody: string, contentType: string | undefined): unknown;
export function checkEnvelope(body: unknown): void;
export function acksFirst(body: Record<string, unknown>): boolean;
export type SlackRequestCheck = { verdict: 'unsigned' | 'malformed'; problem: string } | { verdict: 'ok'; body: Record<string, unknown>; raw: string };
export function checkSlackRequest(signingSecret: string, rawBody: string, headers: IncomingHttpHeaders, nowMs?: number): SlackRequestCheck;
