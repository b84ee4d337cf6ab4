/**
 * The review page end to end, in headless Chromium (Debian's `chromium`, driven by playwright-core through
 * `executablePath`; nothing is downloaded): the server runs in-process on an ephemeral loopback port with a
 * temporary database; cases are created through the API; an analyst signs in with a key, walks the queue with the
 * keyboard, accepts one suggestion with a note and rejects another with a reason code; the decisions are read back
 * from the store. Screenshots go to artifacts/ (gitignored) for a person to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { createReviewMounts } from '../../src/http/routes/review.js';
import { startServer, type RunningServer } from '../../src/http/start-server.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = join(PACKAGE_ROOT, 'artifacts');

// Skipped only on a developer machine without Chromium; on CI (.ci/run installs it) a missing browser fails.
if (!HAVE_CHROMIUM && !process.env.CI) {
  console.warn(`[e2e] skipping the review page browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

const WIRE = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';
const HACK =
  'The former contractor used a stolen admin password to log into the hospital billing server after his access was revoked, copied 40,000 patient records and deleted the backups.';
const AGENT =
  "A prompt injection hidden in a shared document made the company's AI assistant email the customer database to an outside address the attacker controlled.";

describe.skipIf(!HAVE_CHROMIUM && !process.env.CI)('review page in headless Chromium', () => {
  let dir: string;
  let store: SqliteStore;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let analystKey: string;
  const ids: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
    dir = mkdtempSync(join(tmpdir(), 'e2e-review-'));
    store = createSqliteStore({ path: join(dir, 'cases.db') });
    analystKey = (await issueApiKey(store, 'alice', 'analyst')).key;
    const ingestKey = (await issueApiKey(store, 'intake', 'ingest')).key;
    server = await startServer({
      env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      openStore: () => store,
      mounts: createReviewMounts,
      signals: null,
      logDestination: { write: () => undefined },
    });
    // Through the API, like an intake system: the wire-fraud case is older, so it comes first in the queue.
    for (const [narrative, externalId, receivedAt] of [
      [WIRE, 'E2E-WIRE', '2025-05-01T09:00:00Z'],
      [HACK, 'E2E-HACK', '2025-05-02T09:00:00Z'],
      [AGENT, 'E2E-AGENT', '2025-05-03T09:00:00Z'],
    ]) {
      const res = await fetch(`${server.url}/v1/cases`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ingestKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ narrative, externalId, receivedAt }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.shutdown('test done');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reviews cases from the queue to stored decisions with the keyboard', async () => {
    await page.goto(`${server.url}/review`);
    await expect.poll(() => page.textContent('#whoami')).toMatch(/Not signed in/);

    await page.getByLabel('API key').fill(analystKey);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.textContent('#whoami')).toBe('Signed in as alice (analyst).');
    // The 401 of the key check before sign-in is expected; from here on the console must stay clean.
    pageErrors.length = 0;
    await page.locator('.queue-item').first().waitFor();
    // The queue shows the API's order (priority, then received time: tested in tests/http and tests/store).
    const apiOrder = (await store.listCases({ status: 'pending' }, { limit: 10 })).items.map((c) => c.externalId);
    const shown = await page.locator('.queue-item strong').allTextContents();
    expect(shown).toEqual(apiOrder);

    // j walks down the queue to the wire-fraud case; the narrative shows its suggestion's evidence highlighted.
    const wireAt = shown.indexOf('E2E-WIRE');
    for (let i = 0; i <= wireAt; i++) await page.locator('body').press('j');
    await expect.poll(() => page.textContent('#case-title')).toBe('Case E2E-WIRE');
    const marks = await page.locator('#narrative mark').allTextContents();
    expect(marks.length).toBeGreaterThan(0);
    for (const m of marks) expect(WIRE).toContain(m);
    expect(await page.textContent('#active-target')).toBe('§ 1343 / 1349');

    // Hovering an element of the checklist highlights that element's own evidence.
    const element = page.locator('.checklist li').first();
    const elementEvidence = (await element.locator('.chip').allTextContents()).map((c) => c.replace(/^“|”$/g, ''));
    await element.hover();
    // Overlapping spans merge into one mark: every chip lies in a mark, every mark holds a chip.
    const hovered = await page.locator('#narrative mark').allTextContents();
    for (const e of elementEvidence) expect(hovered.some((m) => m.includes(e))).toBe(true);
    for (const m of hovered) expect(elementEvidence.some((e) => m.includes(e))).toBe(true);

    // n focuses the note; Escape leaves it; a accepts.
    await page.locator('body').press('n');
    expect(await page.locator('#note:focus').count()).toBe(1);
    await page.keyboard.type('Bank impersonation email, then a wire transfer.');
    await page.keyboard.press('Escape');
    await page.keyboard.press('a');
    await expect.poll(() => page.textContent('#status')).toMatch(/^Accepted § 1343 \/ 1349 as alice \(version 2\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'review-page-accepted.png'), fullPage: true });

    const wire = await store.getCase(ids[0] ?? '');
    expect(wire?.decisions).toEqual([
      expect.objectContaining({ statute: '1343', decision: 'accept', reviewer: 'alice', note: 'Bank impersonation email, then a wire transfer.', caseVersion: 1 }),
    ]);

    // j/k move to the hacking case; r without a reason asks for one (focus on the reason list); Enter rejects.
    const hackAt = shown.indexOf('E2E-HACK');
    for (let i = wireAt; i !== hackAt; i += hackAt > wireAt ? 1 : -1) await page.keyboard.press(hackAt > wireAt ? 'j' : 'k');
    await expect.poll(() => page.textContent('#case-title')).toBe('Case E2E-HACK');
    const hack = await store.getCase(ids[1] ?? '');
    const target = hack?.classification.suggestions[0]?.statute;
    expect(target, 'the hacking narrative should get a suggestion').toBeDefined();
    await page.keyboard.press('r');
    expect(await page.locator('#reason:focus').count()).toBe(1);
    await expect.poll(() => page.textContent('#error')).toMatch(/Choose a reason for rejecting/);
    await page.selectOption('#reason', 'VAN_BUREN_AUTHORIZED_USER');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#status')).toMatch(/^Rejected /);
    await page.screenshot({ path: join(ARTIFACTS, 'review-page-rejected.png'), fullPage: true });

    const after = await store.getCase(ids[1] ?? '');
    expect(after?.decisions).toEqual([expect.objectContaining({ statute: target, decision: 'reject', reasonCode: 'VAN_BUREN_AUTHORIZED_USER', reviewer: 'alice' })]);

    // The agent case shows its AI and exfiltration findings with their MITRE ATLAS ids and names.
    await page.locator('.queue-item', { hasText: 'E2E-AGENT' }).click();
    await expect.poll(() => page.textContent('#case-title')).toBe('Case E2E-AGENT');
    const agent = await store.getCase(ids[2] ?? '');
    const atlasIds = [...(agent?.classification.ai.atlas ?? []), ...(agent?.classification.exfiltration.patterns.flatMap((p) => p.atlas) ?? [])];
    expect(atlasIds.length, 'the agent narrative should map to ATLAS techniques').toBeGreaterThan(0);
    const findings = `${await page.textContent('#ai-finding')} ${await page.textContent('#exfil-finding')}`;
    for (const id of atlasIds) expect(findings).toContain(id);
    await page.locator('#ai-finding .finding').hover();
    await page.screenshot({ path: join(ARTIFACTS, 'review-page-agent.png'), fullPage: true });
    expect(pageErrors, pageErrors.join("\n")).toEqual([]);
  }, 60_000);
});
