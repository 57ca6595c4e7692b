import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, submitOrder } from '../helpers/harness';

const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dbPath: string): Promise<Harness> {
  const h = await startHarness({ dbPath });
  harnesses.push(h);
  return h;
}

describe('DMs go to the user id, and the DM channel Slack answers with is kept', () => {
  it('sends without conversations.open, and after a restart posts straight to the stored DM channel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-dm-'));
    dirs.push(dir);
    const dbPath = join(dir, 'handoff.db');
    const first = await start(dbPath);
    await submitOrder(first);
    const dms = first.fake.callsTo('chat.postMessage').filter((c) => c.args.channel !== 'C0OPS');
    expect(dms.map((c) => c.args.channel)).toEqual(['U0SALES1']);
    expect(dms[0].response).toMatchObject({ ok: true, channel: 'D0SALES1' });
    expect(first.fake.dms('U0SALES1')).toHaveLength(1);
    expect(first.fake.callsTo('conversations.open')).toHaveLength(0);
    expect(await first.app.repo.findDmChannel('U0SALES1')).toBe('D0SALES1');

    await first.close();
    harnesses.length = 0;
    const second = await start(dbPath);
    // A fresh fake Slack knows nothing of the first run: a new handoff starts a new post and DM.
    await submitOrder(second, { order_id: 'SO-22222' }, 'U0SALES1', 'V_AFTER_RESTART');
    const dm = second.fake.callsTo('chat.postMessage').find((c) => c.args.channel !== 'C0OPS');
    // The requester's DM goes to the channel learnt before the restart; nobody asked Slack to open one.
    expect(dm?.args.channel).toBe('D0SALES1');
    expect(second.fake.callsTo('conversations.open')).toHaveLength(0);
  });
});
