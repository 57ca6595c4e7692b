import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isDeadLocalOwner, linuxProcessState } from '../../src/services/outbox-dispatcher';
import { waitUntil } from '../helpers/child-bot';

const owner = (pid: number) => `${hostname()}:${pid}:someboot`;

describe('a lease holder on this machine', () => {
  it('is alive while its process runs, dead once it exited, and dead as a zombie not yet reaped', async () => {
    // `sh` starts a short sleep in the background, then becomes `sleep 5`, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d).trim()))));
      expect(isDeadLocalOwner(owner(parent.pid as number))).toBe(false);
      if (linuxProcessState(process.pid) === null) return; // no /proc here: only kill(pid, 0) can be asked
      await waitUntil(() => linuxProcessState(zombie) === 'Z', { what: 'the background sleep to become a zombie', timeoutMs: 5000, intervalMs: 20 });
      expect(isDeadLocalOwner(owner(zombie))).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
    await waitUntil(() => isDeadLocalOwner(owner(parent.pid as number)), { what: 'the killed process to count as dead', timeoutMs: 5000 });
  });

  it('reads the state after the command name, whatever the name holds', () => {
    expect(isDeadLocalOwner(owner(process.pid), () => 'Z')).toBe(true); // our pid from an earlier start
    expect(isDeadLocalOwner(`elsewhere:1:boot`, () => 'Z')).toBe(false); // another machine: left to its lease
    expect(linuxProcessState(process.pid)).toMatch(/^[RS]$/);
  });
});
