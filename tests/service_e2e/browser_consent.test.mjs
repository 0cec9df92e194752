// The web UI in Debian's Chromium (headless, fresh profile) against the real server, no model
// needed: the page loads with same-origin JavaScript only and no console error, shows the
// consent screen with what is sent, to whom, why and how long, and "Decline" leaves no cookie,
// no session, no row.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { firstVisible, openBrowser, resetRecord, screenshot } from './lib/browser.mjs';
import { pixforgeBin, startServer } from './lib/server.mjs';

// `pixforge privacy audit --json`: per data category, the age of the oldest item held (null:
// none). Request-log rows (timestamp, endpoint, status, latency, truncated IP; P14) are
// operational metadata every request leaves, so they are not counted as user data here.
function heldCategories(server) {
  const out = execFileSync(pixforgeBin(), ['privacy', 'audit', '--json', '--data-dir', server.dataDir], { encoding: 'utf8' });
  const rows = JSON.parse(out);
  assert.ok(rows.some((r) => r.category === 'sessions'), 'the audit reports sessions');
  return rows.filter((r) => r.category !== 'request_logs' && r.oldest_age_hours !== null).map((r) => r.category);
}

describe('web UI: page and consent screen', () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ name: 'browser-consent' });
    browser = await openBrowser(server.url, path.join(server.workDir, 'profile'));
  });
  after(async () => {
    if (browser) await browser.context.close();
    if (server) await server.stop();
  });

  test('the page is served with a strict CSP and loads without console errors', async () => {
    resetRecord(browser.record);
    const res = await browser.page.goto(server.url + '/');
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'(;|$)/, 'same-origin scripts only, no inline');
    assert.match(csp, /frame-ancestors 'none'/);
    await browser.page.waitForLoadState('networkidle');
    // The UI is more than an empty shell: it runs a same-origin script.
    const scripts = await browser.page.$$eval('script', (s) => s.map((e) => e.src));
    assert.ok(scripts.length > 0 && scripts.every((src) => src.startsWith(server.url + '/')), `scripts: ${scripts}`);
    assert.deepEqual(browser.record.consoleErrors, []);
    assert.deepEqual(browser.record.foreignRequests, []);
    // Nothing the page asks for fails: no /favicon.ico 404 (the icon is a data: URL).
    assert.deepEqual(browser.record.failedResponses, []);
    assert.ok(!browser.record.requests.some((r) => r.endsWith('/favicon.ico')), 'no favicon request');
    const icon = await browser.page.$eval('link[rel=icon]', (l) => l.href);
    assert.match(icon, /^data:image\/svg\+xml,/);
    // A tool that asks for the conventional path anyway gets an empty answer, not a 404.
    assert.equal((await fetch(server.url + '/favicon.ico')).status, 204);
  });

  test('the consent screen says what is sent, to whom, why and for how long', async () => {
    resetRecord(browser.record);
    const page = browser.page;
    await page.goto(server.url + '/');
    await firstVisible(page, [page.getByRole('button', { name: /agree/i })], '"Agree & Continue" button');
    await firstVisible(page, [page.getByRole('button', { name: /decline/i })], '"Decline" button');
    const text = await page.locator('body').innerText();
    const policy = await (await fetch(server.url + '/api/v1/privacy')).json();
    assert.match(text, /prompt/i, 'what is sent');
    // Rendered from the live configuration: the prompt retention period appears.
    assert.ok(text.includes(String(policy.retention.prompts_hours_after_result)), 'how long (prompt retention)');
    assert.ok(await page.locator('a[href$="/privacy"]').count() > 0, 'links the full notice');
    await screenshot(page, 'browser-consent.png');
    assert.deepEqual(browser.record.consoleErrors, []);
  });

  test('without a model the generate form says so and offers nothing to choose', async () => {
    const options = await (await fetch(server.url + '/api/v1/generation-options')).json();
    assert.equal(options.model, null);
    assert.deepEqual(options.samplers, []);
    assert.deepEqual(options.schedulers, []);
    assert.equal(options.img2img, false);
    assert.ok(options.limits.max_width >= 64 && options.limits.max_batch >= 1, JSON.stringify(options.limits));
    const page = browser.page;
    await page.goto(server.url + '/');
    await page.waitForLoadState('networkidle');
    assert.equal(await page.textContent('#model-name'), 'No model is loaded on this server: generation is unavailable.');
    assert.equal(await page.$$eval('#sampler option', (o) => o.length), 0);
  });

  test('P1 Decline leaves no cookie, no session, no row', async () => {
    resetRecord(browser.record);
    const page = browser.page;
    await page.goto(server.url + '/');
    assert.deepEqual(heldCategories(server), [], 'a fresh server holds nothing');
    await (await firstVisible(page, [page.getByRole('button', { name: /decline/i })], '"Decline" button')).click();
    await page.waitForLoadState('networkidle');
    await firstVisible(page, [page.getByText(/nothing was stored/i)], 'confirmation that nothing was stored');
    assert.deepEqual(await browser.context.cookies(), [], 'no cookie after Decline');
    const session = await page.request.get(server.url + '/api/v1/session');
    assert.equal((await session.json()).signed_in, false);
    assert.deepEqual(heldCategories(server), [], 'no session, consent, prompt or image was stored');
    // Generation is still refused: declining gave no consent.
    const gen = await page.request.post(server.url + '/api/v1/generate', { data: { prompt: 'x' } });
    assert.equal(gen.status(), 403);
    assert.equal((await gen.json()).error.code, 'consent_required');
    assert.deepEqual(browser.record.consoleErrors, []);
    assert.deepEqual(browser.record.foreignRequests, []);
  });
});
