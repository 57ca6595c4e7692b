/** Timing and printing helpers for the benchmark. */

export interface Measurement {
  readonly name: string;
  /** Elapsed milliseconds of each run. */
  readonly samples: readonly number[];
  /** What one run returned or touched, for the reader ("5,000 rows"). */
  readonly rows: string;
  /** The limit, when it sets one. */
  readonly targetMs?: number;
}

/** Runs `fn` `times` times; `fn` returns the elapsed time of the part it measures (setup stays outside). */
export async function repeat(times: number, fn: (run: number) => number | Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await fn(i));
  return samples;
}

/** Times a synchronous call. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
export const fmtInt = (n: number) => n.toLocaleString('en-US');

export type Verdict = 'PASS' | 'FAIL' | 'PASS*' | '-';

/** Judged on the median; PASS* when the median is within the target but the slowest run was not. */
export function verdictOf(m: Measurement): Verdict {
  if (m.targetMs === undefined) return '-';
  if (median(m.samples) >= m.targetMs) return 'FAIL';
  return Math.max(...m.samples) >= m.targetMs ? 'PASS*' : 'PASS';
}

/** A plain-text table with a header rule; numbers right-aligned. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAligned: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

export function resultsTable(ms: readonly Measurement[]): string {
  return table(
    ['measurement', 'result size', 'runs', 'median ms', 'max ms', 'target', 'pass/fail'],
    ms.map((m) => [
      m.name,
      m.rows,
      String(m.samples.length),
      fmtMs(median(m.samples)),
      fmtMs(Math.max(...m.samples)),
      m.targetMs === undefined ? '-' : `< ${fmtInt(m.targetMs)} ms`,
      verdictOf(m),
    ]),
    [2, 3, 4],
  );
}

export function heading(title: string): void {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 92 - title.length))}`);
}
