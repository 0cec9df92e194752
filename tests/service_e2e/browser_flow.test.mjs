// The whole web journey in Debian's Chromium against the real server with a random-weight SD 1.5
// checkpoint: consent -> generate -> watch progress -> see the image -> delete it -> export ->
// delete the account. No console error, no request to any origin but the server's. Screenshots
// are kept in the build directory (browser-generated.png, browser-final.png).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { firstVisible, openBrowser, screenshot } from './lib/browser.mjs';
import { testModel } from './lib/model.mjs';
import { startServer } from './lib/server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'browser-flow', model: testModel() });
  browser = await openBrowser(server.url, path.join(server.workDir, 'profile'));
  // Confirmation dialogs (delete image, delete account) are answered yes.
  browser.context.on('page', (p) => p.on('dialog', (d) => d.accept()));
  browser.page.on('dialog', (d) => d.accept());
});
after(async () => {
  if (browser) await browser.context.close();
  if (server) await server.stop();
});

async function fillIfPresent(page, label, value) {
  const field = page.getByLabel(label);
  if (await field.count()) await field.first().fill(String(value));
}

async function gallery(page) {
  const r = await page.request.get(server.url + '/api/v1/gallery');
  assert.equal(r.status(), 200);
  return (await r.json()).images;
}

test('consent -> generate -> progress -> image -> delete -> export -> delete account', { timeout: 900000 }, async () => {
  const page = browser.page;
  await page.goto(server.url + '/');

  // Consent (P10: the age confirmation comes first).
  await (await firstVisible(page, [page.getByLabel(/at least 13/i)], 'age confirmation')).check();
  await (await firstVisible(page, [page.getByRole('button', { name: /agree/i })], '"Agree & Continue" button')).click();
  await page.waitForLoadState('networkidle');
  const cookie = (await browser.context.cookies()).find((c) => c.name === 'pf_session');
  assert.ok(cookie, 'a session cookie after consent');
  assert.ok(cookie.httpOnly);
  assert.equal(cookie.sameSite, 'Strict');

  // Generate, small and short so the random-weight SD 1.5 model finishes quickly.
  const prompt = await firstVisible(page, [page.getByRole('textbox', { name: /^prompt$/i }), page.getByLabel(/^prompt$/i)], 'prompt field');
  await prompt.fill('a watercolour lighthouse at dusk');
  await fillIfPresent(page, /^width$/i, 64);
  await fillIfPresent(page, /^height$/i, 64);
  await fillIfPresent(page, /^steps$/i, 4);
  await fillIfPresent(page, /^seed$/i, 42);
  await (await firstVisible(page, [page.locator('form').getByRole('button', { name: /^generate$/i })], 'Generate button of the form')).click();

  // Watch progress: a progress bar whose value moves above zero while the job runs.
  // (Polled, not required visible: a fast job may already have hidden the bar again.)
  await page.waitForFunction(() => [...document.querySelectorAll('progress, [role=progressbar]')].some((el) =>
    Number(el.getAttribute('aria-valuenow') ?? el.value ?? 0) > 0), null, { timeout: 600000, polling: 50 });

  // See the image: loaded from this server (or a blob: URL made from its bytes).
  await page.waitForFunction(() => [...document.images].some((i) => i.complete && i.naturalWidth > 0 &&
    (i.src.includes('/api/v1/images/') || i.src.startsWith('blob:'))), null, { timeout: 600000 });
  const shot = await screenshot(page, 'browser-generated.png');
  assert.ok(fs.statSync(shot).size > 1000);
  assert.equal((await gallery(page)).length, 1);

  // Delete it.
  await (await firstVisible(page, [page.getByRole('button', { name: /^delete( image)?$/i })], 'delete-image button')).click();
  await page.waitForFunction(() => ![...document.images].some((i) => i.src.includes('/api/v1/images/')), null, { timeout: 30000 });
  assert.deepEqual(await gallery(page), []);

  // Export: a zip download with the JSON of everything held.
  const exportControl = async () => firstVisible(page, [page.getByRole('link', { name: /export/i }), page.getByRole('button', { name: /export/i })], 'export control', 3000);
  let control;
  try {
    control = await exportControl();
  } catch {
    // Export and account deletion may live on the privacy / my-data view.
    await (await firstVisible(page, [page.getByRole('button', { name: /^(privacy|my data|your data|account)$/i }),
      page.getByRole('link', { name: /^(privacy|my data|your data|account)$/i }), page.getByRole('tab', { name: /privacy|data|account/i })],
    'privacy view link')).click();
    control = await exportControl();
  }
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), control.click()]);
  const zipPath = path.join(server.workDir, 'export.zip');
  await download.saveAs(zipPath);
  const zip = fs.readFileSync(zipPath);
  assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK', 'export is a zip');
  assert.ok(zip.includes(Buffer.from('data.json')), 'export holds data.json');

  // Delete the account (anonymous session: everything held about it).
  await (await firstVisible(page, [page.getByRole('button', { name: /^delete (my|your)\b.*\b(account|data)\b/i })], 'delete-account button')).click();
  const confirm = page.getByRole('button', { name: /^(confirm|yes|delete( everything| account)?)$/i });
  if (await confirm.first().isVisible().catch(() => false)) await confirm.first().click();
  // The cookie is HttpOnly: watch the browser's cookie jar, not document.cookie.
  const deadline = Date.now() + 30000;
  while ((await browser.context.cookies()).some((c) => c.name === 'pf_session' && c.value) && Date.now() < deadline)
    await page.waitForTimeout(100);
  await page.waitForLoadState('networkidle');
  const session = await page.request.get(server.url + '/api/v1/session');
  assert.equal((await session.json()).signed_in, false, 'signed out after deleting the account');
  assert.equal((await browser.context.cookies()).filter((c) => c.name === 'pf_session' && c.value).length, 0);
  await screenshot(page, 'browser-final.png');

  assert.deepEqual(browser.record.consoleErrors, [], 'no console errors');
  assert.deepEqual(browser.record.foreignRequests, [], 'no request left the server\'s origin');
});
