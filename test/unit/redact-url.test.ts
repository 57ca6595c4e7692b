import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../../src/domain/redact-url';

describe('redactUrl', () => {
  it.each([
    ['https://hooks.example.org/in?token=abc123&team=ops', 'https://hooks.example.org/in?token=***&team=***'],
    ['https://user:hunter2@hooks.example.org/in', 'https://***@hooks.example.org/in'],
    ['https://deploy@hooks.example.org/in', 'https://***@hooks.example.org/in'],
    ['https://hooks.example.org/in#sig=abc', 'https://hooks.example.org/in#***'],
    ['https://u:p@hooks.example.org/in?secret#frag', 'https://***@hooks.example.org/in?secret=***#***'],
    ['http://127.0.0.1:3000/hook', 'http://127.0.0.1:3000/hook'],
    ['not a url?token=abc', 'not a url?***'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('redactUrlsIn', () => {
  it('redacts every URL quoted in a message, as fetch quotes the one it refused', () => {
    const text = redactUrlsIn('Request cannot be constructed from a URL that includes credentials: https://a:pw@h.example/x?token=t1 (then "http://h2.example/?k=t2")');
    expect(text).toBe('Request cannot be constructed from a URL that includes credentials: https://***@h.example/x?token=*** (then "http://h2.example/?k=***")');
  });

  it('leaves text without URLs alone', () => {
    expect(redactUrlsIn('channel_not_found: token=abc')).toBe('channel_not_found: token=abc');
  });
});
