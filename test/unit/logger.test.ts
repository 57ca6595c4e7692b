import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, toBoltLogger } from '../../src/logger';

const SECRET = 'webhook-secret-0123456789abcdefghij';

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = toBoltLogger(createLogger({ level, secrets: [SECRET, 'short'], destination }));
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the logger', () => {
  it('writes JSON lines with level, time, message and fields', () => {
    const { logger, records } = capture();
    logger.info({ handoffId: 7, event: 'accepted' }, 'handoff changed');
    logger.warn('two', 'words');
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'handoff changed', handoffId: 7, event: 'accepted', name: 'handoff', time: expect.any(String) }),
      expect.objectContaining({ level: 'warn', msg: 'two words' }),
    ]);
  });

  it('keeps configured secrets and anything shaped like a Slack token out of text, fields and errors', () => {
    const { logger, lines } = capture();
    logger.debug(`posting to https://hooks.example.com/x?token=${SECRET} with xoxb-1234-5678-abcdefgh`);
    logger.info({ headers: { authorization: 'Bearer abc.def.ghi' }, token: 'xapp-1-A0-secret', nested: { url: `u?s=${SECRET}` } }, 'call');
    logger.error('failed', new Error(`Slack said no to xoxp-999999999 and ${SECRET}`));
    const text = lines.join('\n');
    for (const leaked of [SECRET, 'xoxb-1234-5678-abcdefgh', 'abc.def.ghi', 'xapp-1-A0-secret', 'xoxp-999999999']) expect(text).not.toContain(leaked);
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(5);
    // Secrets too short to scrub safely (they would match ordinary words) are left to key redaction.
    logger.info('a short word');
    expect(lines.at(-1)).toContain('a short word');
  });

  it('drops lines below its level, and Bolt may change the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    expect(lines).toEqual([]);
    logger.setLevel('debug' as never);
    logger.debug('shown');
    expect(lines).toHaveLength(1);
  });
});
