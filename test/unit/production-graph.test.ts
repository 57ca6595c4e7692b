import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

/** Every module `entry` loads statically (import … from, export … from), following relative specifiers. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) {
      if (/^\s*import\s+type\s/.test(m[0]) || /^\s*export\s+type\s/.test(m[0])) continue; // erased at compile time
      visit(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return seen;
}

describe('what runs for a workspace', () => {
  it('loads nothing of src/sandbox: the emulator is reached only by the dynamic import of the sandbox command', () => {
    const graph = [...staticGraph(resolve(SRC, 'bin.ts'))].map((f) => relative(SRC, f));
    expect(graph).toContain('cli.ts');
    expect(graph.filter((f) => f.startsWith('sandbox/'))).toEqual([]);
    // And starting the bot (main → handoff-app) reaches the whole app, so the check above looks at real code.
    const app = [...staticGraph(resolve(SRC, 'handoff-app.ts'))].map((f) => relative(SRC, f));
    expect(app).toEqual(expect.arrayContaining(['slack/app.ts', 'services/handoff-service.ts', 'db/open-db.ts']));
    expect(app.filter((f) => f.startsWith('sandbox/'))).toEqual([]);
  });
});
