// The web UI's accounts in Debian's Chromium against the real server, no model needed: sign-up
// with the age confirmation (P10) and notice agreement (P1) and the server's field errors shown
// in the form; API keys created (shown once), used, revoked (P6); log out and log in, with the
// login throttle's message after repeated failures; the moderator page for the moderator role.
// No console error and no request to another origin anywhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { firstVisible, openBrowser, resetRecord, screenshot } from './lib/browser.mjs';
import { pixforgeBin, startServer } from './lib/server.mjs';

const USER = 'web_tester';
const PASSWORD = 'correct horse battery';

async function statusText(page, id) {
  await page.waitForFunction((i) => {
    const n = document.getElementById(i);
    return n && !n.hidden && n.textContent.length > 0;
  }, id, { timeout: 15000 });
  return page.textContent(`#${id}`);
}

describe('web UI: accounts, API keys, log in and out, moderation', () => {
  let server;
  let browser;
  before(async () => {
    // A low lockout threshold so the throttle test needs few attempts.
    server = await startServer({ name: 'browser-account', config: { limits: { login_failures: 3, login_lockout_s: 600 } } });
    browser = await openBrowser(server.url, path.join(server.workDir, 'profile'));
    browser.page.on('dialog', (d) => d.accept());
  });
  after(async () => {
    if (browser) await browser.context.close();
    if (server) await server.stop();
  });

  test('P10 sign-up refuses without the age confirmation and shows the server\'s field errors', async () => {
    resetRecord(browser.record);
    const page = browser.page;
    const res = await page.goto(server.url + '/');
    assert.equal(res.status(), 200);
    await page.waitForLoadState('networkidle');
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Username', { exact: true }).first().fill(USER);
    await page.getByLabel('Password (at least 10 characters)').fill(PASSWORD);
    await page.getByLabel('I agree to the').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    assert.match(await statusText(page, 'signup-message'), /at least 13/);
    assert.deepEqual(await browser.context.cookies(), [], 'a refused sign-up sets no cookie');

    // A server-side rule: the username's characters (the browser's own pattern check is
    // bypassed by removing it, as a scripted client would).
    await page.getByLabel('I am at least 13 years old.').nth(1).check();
    await page.evaluate(() => document.getElementById('signup-username').removeAttribute('pattern'));
    await page.getByLabel('Username', { exact: true }).first().fill('bad name!');
    await page.getByRole('button', { name: 'Create account' }).click();
    assert.match(await statusText(page, 'signup-message'), /username.*letters, digits/);
    assert.deepEqual(await browser.context.cookies(), []);

    await page.getByLabel('Username', { exact: true }).first().fill(USER);
    await page.getByLabel('E-mail (optional)').fill('tester@example.org');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('#generate:not([hidden])');
    assert.equal(await page.textContent('#who'), `Signed in as ${USER}`);
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'pf_session');
    assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict');
    // Chromium logs every 4xx answer to fetch; the refused username's 400 is the expected one.
    assert.deepEqual(browser.record.consoleErrors.filter((e) => !/status of 400 .*\/api\/v1\/account\]$/.test(e)), []);
    assert.deepEqual(browser.record.foreignRequests, []);
  });

  test('P6 an API key is shown once, works as a bearer token and stops working when revoked', async () => {
    resetRecord(browser.record);
    const page = browser.page;
    await page.click('nav button[data-view="account"]');
    await page.waitForSelector('#account-signed-in:not([hidden])');
    await page.getByRole('button', { name: 'Create key' }).click();
    assert.match(await statusText(page, 'keys-message'), /agree/);
    await page.getByLabel('Requests made with this key').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.waitForSelector('#new-key:not([hidden])');
    const key = await page.inputValue('#new-key-value');
    assert.match(key, /^pf_[A-Za-z0-9_-]{20,}$/);
    await page.waitForSelector('#keys-body tr');
    const row = await page.textContent('#keys-body tr');
    assert.match(row, /generate read/);
    assert.match(row, /active/);
    assert.ok(!row.includes(key), 'the list shows the key id, never the key');

    const gallery = await fetch(server.url + '/api/v1/gallery', { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(gallery.status, 200, 'the key works');

    // Shown once: after "I stored it" and a reload, the key is nowhere on the page.
    await page.getByRole('button', { name: 'I stored it' }).click();
    await page.reload();
    await page.click('nav button[data-view="account"]');
    await page.waitForSelector('#keys-body tr');
    assert.ok(!(await page.content()).includes(key), 'the key is not shown again');

    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForFunction(() => document.querySelector('#keys-body tr')?.textContent.includes('revoked'));
    const after = await fetch(server.url + '/api/v1/gallery', { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(after.status, 401, 'a revoked key is refused');
    await screenshot(page, 'browser-account-keys.png');
    assert.deepEqual(browser.record.consoleErrors, []);
  });

  test('P6 log out, the login throttle\'s message, then log in', async () => {
    const page = browser.page;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForSelector('#consent:not([hidden])');
    assert.equal((await browser.context.cookies()).filter((c) => c.name === 'pf_session' && c.value).length, 0);
    resetRecord(browser.record);
    await page.getByRole('link', { name: 'Log in' }).click();
    const login = page.locator('#login-form');
    // Wrong passwords for another name until the throttle answers (3 failures configured).
    let message = '';
    for (let i = 0; i < 4; i++) {
      await page.evaluate(() => { document.getElementById('login-message').textContent = ''; });
      await login.getByLabel('Username').fill('someone_else');
      await login.getByLabel('Password').fill('wrong password 123');
      await login.getByRole('button', { name: 'Log in' }).click();
      message = await statusText(page, 'login-message');
      if (i < 3) assert.match(message, /Unknown username or wrong password/);
    }
    assert.match(message, /Too many failed sign-ins.*Try again in 10 minutes/);
    // The throttle is per username: the real account still logs in.
    await login.getByLabel('Username').fill(USER);
    await login.getByLabel('Password').fill(PASSWORD);
    await login.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('#generate:not([hidden])');
    assert.equal(await page.textContent('#who'), `Signed in as ${USER}`);
    // 401 and 429 answers are the expected refusals here; nothing else went wrong.
    assert.deepEqual(browser.record.consoleErrors.filter((e) => !/status of 40[1]|status of 429/.test(e)), []);
  });

  test('P9 the moderator page appears for the moderator role only', async () => {
    const page = browser.page;
    assert.ok(await page.locator('#nav-moderation').isHidden(), 'no moderation view for a user');
    execFileSync(pixforgeBin(), ['admin', '--data-dir', server.dataDir, 'set-role', USER, 'moderator']);
    resetRecord(browser.record);
    await page.reload();
    await page.waitForSelector('#generate:not([hidden])');
    await (await firstVisible(page, [page.getByRole('button', { name: 'Moderation' })], 'Moderation view button')).click();
    await page.waitForSelector('#moderation:not([hidden])');
    await page.waitForSelector('#flags-empty:not([hidden])');
    assert.equal(await page.textContent('#flags-empty'), 'No flags.');
    await screenshot(page, 'browser-moderation.png');
    assert.deepEqual(browser.record.consoleErrors, []);
    assert.deepEqual(browser.record.foreignRequests, []);
  });
});
