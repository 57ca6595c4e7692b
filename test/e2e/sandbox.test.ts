/**
 * The sandbox's guided tour (docs/sandbox.md), clicked and typed in a real headless Chromium
 * against the sandbox page: the real bot, the emulator, the page's renderer and its live updates.
 * Screenshots of the modal, the channel post and the digest go to test/artifacts/, and sandbox.png,
 * the handoff waiting in #ops, is the one the README shows.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../artifacts');
const STEP_MS = 15_000;
/** One step of the tour: a few clicks, each waiting for what the bot sends (the real pacing of one message per second per channel included). */
const TOUR_STEP_MS = 60_000;

const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

if (!haveChromium && inCi) {
  describe('sandbox in a browser', () => {
    it('needs Chromium', () => {
      throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium package before npm test`);
    });
  });
} else if (!haveChromium) {
  console.warn(`\n[e2e] skipping the sandbox browser test: ${CHROMIUM} is not installed (apt-get install chromium).\n`);
  describe.skip('sandbox in a browser', () => {
    it('runs the guided tour', () => undefined);
  });
} else {
  describe('sandbox in a browser: the guided tour', () => {
    let t: TestSandbox;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      t = await startTestSandbox();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      page.setDefaultTimeout(STEP_MS);
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    }, TOUR_STEP_MS);

    const modal = () => page.locator('.modal');
    const field = (key: string, control = 'input') => page.locator(`.modal [data-block-id="field:${key}"] ${control}`);
    const message = (text: string | RegExp) => page.locator('#pane-body .msg').filter({ hasText: text });
    const typeCommand = async (text: string) => {
      await page.fill('#composer-input', text);
      await page.press('#composer-input', 'Enter');
    };
    const beSomeone = async (userId: string) => {
      await page.selectOption('#persona', userId);
      await page.waitForFunction(`new URL(location.href).searchParams.get('as') === ${JSON.stringify(userId)}`);
    };
    const visible = async (locator: Locator) => {
      await locator.first().waitFor({ state: 'visible' });
      return locator.first();
    };

    it('as a sales rep: /handoff opens the type picker, Next opens the order form, the bot refuses a bad order ID under its field', async () => {
      await page.goto(`${t.base}/?as=U0SALES01`);
      await expect.poll(() => page.locator('#persona').inputValue()).toBe('U0SALES01');
      expect(await page.locator('#persona option:checked').textContent()).toBe('Ava — Sales');
      expect(await page.locator('#clock-now').textContent()).toContain('Mon, Nov 23, 10:0');

      await typeCommand('/handoff help');
      const help = await visible(page.locator('.msg.ephemeral').filter({ hasText: 'Only visible to you' }));
      expect(await help.textContent()).toContain('order-to-ops');

      await typeCommand('/handoff');
      await visible(modal().filter({ hasText: 'Start a handoff' }));
      await page.selectOption('.modal select', 'order-to-ops');
      await page.click('.modal [data-modal=submit]');
      await visible(modal().locator('.modal-title', { hasText: 'New order to Operations' }));

      // Slack's client checks required fields before sending anything.
      await page.click('.modal [data-modal=submit]');
      expect(await (await visible(page.locator('[data-error-for="field:order_id"]'))).textContent()).toBe('Please complete this required field.');

      await field('order_id').fill('12345');
      await field('customer').fill('Acme GmbH');
      await field('ship_by').fill('2026-12-01');
      await page.selectOption('.modal [data-block-id="field:priority"] select', 'Urgent');
      // Urgent adds a field (views.update): wait for the form to change, as a person sees it, before typing on.
      await visible(modal().locator('[data-block-id="field:urgency"]'));
      await field('order_value').fill('1200');
      await field('notes', 'textarea').fill('Two pallets.\nCall before delivery.');
      await page.click('.modal [data-modal=submit]');
      const error = page.locator('[data-error-for="field:order_id"]', { hasText: 'CRM order number' });
      await visible(error);
      expect(await field('customer').inputValue()).toBe('Acme GmbH');
      await page.screenshot({ path: `${ARTIFACTS}/sandbox-modal.png` });
    }, TOUR_STEP_MS);

    it('sends the fixed order: the modal closes, the requester gets a DM, the post appears in #ops with live updates', async () => {
      await field('order_id').fill('SO-12345');
      await page.click('.modal [data-modal=submit]');
      await modal().waitFor({ state: 'detached' });

      await page.click('[data-side="app"]');
      const dm = await visible(message('was posted in'));
      expect(await dm.textContent()).toContain('#ops');

      await page.click('[data-side="C0OPS01"]');
      const post = await visible(message('#1 New order to Operations: SO-12345'));
      expect(await post.textContent()).toContain('Waiting to be accepted');
      expect(await post.textContent()).toContain('Requested by @Ava');
      expect(await post.locator('.bk-field').allTextContents()).toEqual(['Order IDSO-12345', 'CustomerAcme GmbH', 'Ship by2026-12-01', 'PriorityUrgent', 'Order value (USD)1,200', 'NotesTwo pallets.Call before delivery.']);
      // The README's picture of the sandbox (docs/images/sandbox.png is a copy of it).
      // Cut below the post's buttons: the rest of the pane is empty.
      await page.screenshot({ path: `${ARTIFACTS}/sandbox.png`, clip: { x: 0, y: 0, width: 1280, height: 480 } });

      // A confirm dialog asks first; "Keep it" sends nothing.
      await post.locator('button', { hasText: 'Cancel' }).click();
      const dialog = await visible(page.locator('.confirm'));
      expect(await dialog.textContent()).toContain('Cancel handoff?');
      await dialog.locator('button', { hasText: 'Keep it' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(t.sandbox.fake.callsTo('views.open').length).toBe(1);
    }, TOUR_STEP_MS);

    it('as an ops member: Accept updates the post in place and replies in its thread', async () => {
      await beSomeone('U0OPS01');
      const post = await visible(message('#1 New order to Operations'));
      await post.locator('button', { hasText: 'Accept' }).click();
      await visible(message('In progress').filter({ hasText: '(edited)' }));
      expect(await message('#1 New order').textContent()).toContain('Owner @Emma');
      await page.click('#pane-body .replies');
      const reply = await visible(page.locator('#thread .msg').filter({ hasText: 'accepted' }));
      expect(await reply.textContent()).toContain('@Emma accepted #1 New order to Operations: SO-12345 and owns it now.');
      await page.screenshot({ path: `${ARTIFACTS}/sandbox-post.png` });
      await page.click('.thread-close');
    }, TOUR_STEP_MS);

    it('jumps two days: the order is overdue, the nudge job reminds the owner and the digest arrives', async () => {
      await page.click('[data-jump=day]');
      await visible(page.locator('#clock-now', { hasText: 'Tue, Nov 24' }));
      // The first jump past Monday 09:00 also draws and sends the leads' weekly reports.
      await expect.poll(() => page.locator('[data-jump]').first().isEnabled(), { timeout: 15_000 }).toBe(true);
      await page.click('[data-jump=day]');
      await visible(page.locator('#toast', { hasText: 'digest' }));
      await visible(page.locator('#clock-now', { hasText: 'Wed, Nov 25' }));

      await page.click('[data-side="app"]');
      const digest = await visible(message('Your stalled handoffs today'));
      expect(await digest.textContent()).toMatch(/You own \(1\)#1 New order to Operations: SO-12345🚨 overdue since today 10:0\d AM · 2d old/);
      expect(await (await visible(message('is overdue: it was due'))).textContent()).toContain('owned by @Emma');
      await page.screenshot({ path: `${ARTIFACTS}/sandbox-digest.png` });

      // A link button to the post opens it on the page, as Slack opens a permalink.
      await message('is overdue: it was due').locator('button', { hasText: 'Open' }).click();
      await visible(page.locator('[data-side="C0OPS01"].active'));
      expect(await (await visible(page.locator('#pane-body .msg.highlight'))).textContent()).toContain('#1 New order to Operations: SO-12345');
      await page.click('[data-side="app"]');
    }, TOUR_STEP_MS);

    it('completes it from the digest and the next handoff starts in #fulfilment', async () => {
      await message('Your stalled handoffs today').locator('button', { hasText: 'Mark done' }).click();
      await visible(modal().locator('.modal-title', { hasText: 'Mark done' }));
      await field('tracking').fill('1Z999AA10123456784');
      await page.click('.modal [data-modal=submit]');
      await modal().waitFor({ state: 'detached' });

      // Ship an order also needs a warehouse, so the person who finished the order is asked for it.
      const next = await visible(message('needs a few more details'));
      await next.locator('button', { hasText: 'Start Ship an order' }).click();
      await visible(modal().locator('.modal-title', { hasText: 'Ship an order' }));
      expect(await field('order_id').inputValue()).toBe('SO-12345');
      expect(await field('tracking').inputValue()).toBe('1Z999AA10123456784');
      await page.selectOption('.modal [data-block-id="field:warehouse"] select', 'Berlin');
      await page.click('.modal [data-modal=submit]');
      await modal().waitFor({ state: 'detached' });

      await page.click('[data-side="C0FULFIL01"]');
      const shipping = await visible(message('#2 Ship an order: SO-12345'));
      expect(await shipping.textContent()).toContain('Waiting to be accepted');
      expect(await shipping.textContent()).toContain('Requested by @Emma');
      await page.click('[data-side="C0OPS01"]');
      await visible(message('#1 New order').filter({ hasText: 'Done' }));

      await beSomeone('U0SALES01');
      await page.click('[data-side="app"]');
      // Switching people re-renders the page after the URL changes: wait for this person's digest, not the last one shown.
      await visible(message('Your stalled handoffs today').filter({ hasText: 'You are waiting on (1)' }));
      await visible(message('marked #1 New order to Operations: SO-12345 done'));
      await beSomeone('U0OPSLEAD');
      await visible(message('Your stalled handoffs today').filter({ hasText: 'Operations: overdue (1)' }));

      // The App Home tab is the bot's views.publish; its buttons work like any other.
      await page.click('.tab:has-text("Home")');
      const home = await visible(page.locator('.home'));
      await home.locator('button', { hasText: 'Start a handoff' }).click();
      await visible(modal().filter({ hasText: 'Start a handoff' }));
      await page.click('.modal [data-modal=dismiss]');
      await modal().waitFor({ state: 'detached' });
      expect(pageErrors).toEqual([]);
    }, TOUR_STEP_MS);

    it('lists the webhook deliveries the bot made, which the sandbox kept instead of sending', async () => {
      await page.click('[data-side="webhooks"]');
      const deliveries = page.locator('#pane-body details.webhook');
      await deliveries.first().waitFor({ state: 'visible' });
      const summaries = await deliveries.locator('summary').allTextContents();
      // Newest first: #1 was created, accepted and done, then #2 was created (the hook's events in the example).
      expect(summaries.map((text) => text.split(' ·')[0] + text.match(/ · handoff #\d/)?.[0])).toEqual(['created · handoff #2', 'done · handoff #1', 'accepted · handoff #1', 'created · handoff #1']);
      expect(summaries[3]).toContain('→ https://hooks.example.com/handoff');
      expect(await page.locator('#pane-head').textContent()).toContain('The sandbox sends no webhooks');
      expect(pageErrors).toEqual([]);
    }, TOUR_STEP_MS);

    it('as support: a replacement shows the serial number for a whole unit, takes a photo, waits for approval, and the support lead approves it from the DM', async () => {
      await beSomeone('U0SUP01');
      await page.click('[data-side="C0GENERAL"]');
      await typeCommand('/handoff support-to-fulfilment');
      await visible(modal().locator('.modal-title', { hasText: 'Replacement for a' }));
      // The serial number is asked for only when a whole unit is replaced.
      expect(await page.locator('.modal [data-block-id="field:serial_number"]').count()).toBe(0);
      await field('ticket_url').fill('https://support.example.com/tickets/4711');
      await field('customer_email').fill('jo@example.com');
      await page.locator('.modal [data-block-id="field:replacement_items"] label', { hasText: 'Whole unit' }).locator('input').check();
      await (await visible(field('serial_number'))).fill('SN-4242');
      await page.selectOption('.modal [data-block-id="field:contact_owner"] select', 'U0SUP02');
      await page.setInputFiles('.modal [data-block-id="field:photos"] input[type=file]', { name: 'cracked-case.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not really a jpeg') });
      await visible(page.locator('.modal [data-block-id="field:photos"] .bk-file-list li', { hasText: 'cracked-case.jpg' }));
      await page.click('.modal [data-modal=submit]');
      await modal().waitFor({ state: 'detached' });

      await page.click('[data-side="app"]');
      expect(await (await visible(message('waits for approval by'))).textContent()).toContain('#3 Replacement for a customer');
      // Fulfilment sees nothing before the approval.
      await page.click('[data-side="C0FULFIL01"]');
      await visible(message('#2 Ship an order'));
      expect(await message('#3 Replacement').count()).toBe(0);

      await beSomeone('U0SUPLEAD');
      await page.click('[data-side="app"]');
      const ask = await visible(message('asks for your approval'));
      const asked = await ask.textContent();
      for (const text of ['Serial number of the unit', 'SN-4242', 'cracked-case.jpg', 'Whole unit']) expect(asked).toContain(text);
      await page.screenshot({ path: `${ARTIFACTS}/sandbox-approval.png` });
      await ask.locator('button', { hasText: 'Approve' }).click();
      // The DM loses its buttons and says who approved.
      await visible(message('asks for your approval').filter({ hasText: 'Approved by' }));
      expect(await message('asks for your approval').locator('button', { hasText: 'Approve' }).count()).toBe(0);

      await page.click('[data-side="C0FULFIL01"]');
      const post = await visible(message('#3 Replacement for a customer'));
      expect(await post.textContent()).toContain('Waiting to be accepted');
      expect(await post.textContent()).toContain('cracked-case.jpg');
      expect(pageErrors).toEqual([]);
    }, TOUR_STEP_MS);
  });
}
