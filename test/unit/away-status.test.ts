import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError, parseWorkflow } from '../../src/config/load-config';
import { awayFromStatus, DEFAULT_STATUS_WORDS, isAwayStatus } from '../../src/domain/away-status';
import { FIXTURE } from '../helpers/harness';

const away = (emoji: string, text = '') => isAwayStatus({ emoji, text }, DEFAULT_STATUS_WORDS);

describe('which Slack statuses count as away', () => {
  it('matches the emoji exactly and the words as whole words, ignoring case', () => {
    expect(away(':palm_tree:')).toBe(true);
    expect(away(':PALM_TREE:')).toBe(true);
    expect(away(':airplane:', 'Flying to Lisbon')).toBe(true);
    expect(away('', 'OOO until Monday')).toBe(true);
    expect(away('', 'ooo')).toBe(true);
    expect(away(':house:', 'On vacation!')).toBe(true);
    expect(away('', 'Out of Office, back 2 Dec')).toBe(true);
    expect(away('', 'Home sick')).toBe(true);
    expect(away('', 'on :palm_tree: leave')).toBe(true);
  });

  it('does not match a word inside another word, another emoji, or an empty status', () => {
    expect(away('', 'Sickle cell research')).toBe(false);
    expect(away('', 'Planning the vacations page')).toBe(false);
    expect(away(':palm_tree_small:')).toBe(false);
    expect(away(':house:', 'Working from home')).toBe(false);
    expect(away('', '')).toBe(false);
  });

  it('takes configured words, with characters that mean something in a regular expression taken literally', () => {
    expect(isAwayStatus({ emoji: '', text: 'Parental leave (until May)' }, ['parental leave'])).toBe(true);
    expect(isAwayStatus({ emoji: '', text: 'away.' }, ['a.ay'])).toBe(false);
    expect(isAwayStatus({ emoji: '', text: 'on vacation' }, ['sick'])).toBe(false);
  });

  it('lasts until the expiration when one is set; an expired status counts no more; none: until it changes', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const at = (iso: string) => Date.parse(iso) / 1000;
    expect(awayFromStatus({ emoji: ':palm_tree:', text: '', expiration: at('2026-11-30T00:00:00Z') }, DEFAULT_STATUS_WORDS, now)).toEqual({ until: new Date('2026-11-30T00:00:00Z') });
    expect(awayFromStatus({ emoji: ':palm_tree:', text: '', expiration: at('2026-11-23T09:59:00Z') }, DEFAULT_STATUS_WORDS, now)).toBeNull();
    expect(awayFromStatus({ emoji: ':palm_tree:', text: '', expiration: 0 }, DEFAULT_STATUS_WORDS, now)).toEqual({ until: null });
    expect(awayFromStatus({ emoji: ':coffee:', text: 'Lunch', expiration: 0 }, DEFAULT_STATUS_WORDS, now)).toBeNull();
  });
});

describe('the away config', () => {
  const withAway = (value: unknown) => {
    const cfg = parseYaml(readFileSync(FIXTURE, 'utf8'));
    cfg.away = value;
    return stringifyYaml(cfg);
  };

  it('defaults to off with the default words', () => {
    const cfg = parseWorkflow(withAway(undefined), 'test.yaml');
    expect(cfg.away).toEqual({ fromSlackStatus: false, statusWords: [...DEFAULT_STATUS_WORDS] });
    expect(parseWorkflow(withAway({ fromSlackStatus: true }), 'test.yaml').away.statusWords).toEqual([...DEFAULT_STATUS_WORDS]);
  });

  it('refuses an empty word list, an empty word and unknown keys, naming each', () => {
    const problems = (value: unknown) => {
      try {
        parseWorkflow(withAway(value), 'test.yaml');
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      throw new Error('accepted');
    };
    expect(problems({ fromSlackStatus: true, statusWords: [] })).toContain('away.statusWords');
    expect(problems({ statusWords: ['  '] })).toContain('away.statusWords[0]');
    expect(problems({ fromSlackStatuses: true })).toContain('fromSlackStatuses');
    expect(problems({ fromSlackStatus: 'yes' })).toContain('away.fromSlackStatus');
  });
});
