// The whole web journey in Debian's Chromium against the real server with a random-weight SD 1.5
// checkpoint: consent -> sign up -> generate (64x64, few steps, sampler and schedule from the
// server's lists) -> watch progress -> see the image with its parameters -> reuse them ->
// showcase opt-in and out (P11) -> delete it -> a blocked and a rewritten prompt (P8) -> img2img
// from a JPEG -> queue position -> cancel -> export -> delete the account. Then, on a second
// server, an image withheld by output moderation (P9). No console error, no request to any
// origin but the server's. Screenshots are kept in the build directory (browser-generated.png,
// browser-blocked.png, browser-final.png, browser-withheld.png).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { openBrowser, resetRecord, screenshot } from './lib/browser.mjs';
import { testModel } from './lib/model.mjs';
import { startServer } from './lib/server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The CLIP vocabulary the model's tokenizer reads: the shared data next to the repository
// unless the environment names another place.
const modelEnv = { PIXFORGE_DATA: process.env.PIXFORGE_DATA || path.join(repo, '../shared/data') };

let server;
let browser;

before(async () => {
  // Output moderation is off for this journey (a random-weight model paints noise the
  // classifier may score either way); the withheld-image test below runs it for real.
  server = await startServer({ name: 'browser-flow', model: testModel(), env: modelEnv, config: { moderation: { enabled: false } } });
  browser = await openBrowser(server.url, path.join(server.workDir, 'profile'));
  // Confirmation dialogs (delete image, delete account) are answered yes.
  browser.page.on('dialog', (d) => d.accept());
});
after(async () => {
  if (browser) await browser.context.close();
  if (server) await server.stop();
});

async function gallery(page) {
  const r = await page.request.get(server.url + '/api/v1/gallery');
  assert.equal(r.status(), 200);
  return (await r.json()).images;
}

async function visibleText(page, id, timeout = 15000) {
  await page.waitForFunction((i) => {
    const n = document.getElementById(i);
    return n && !n.hidden && n.textContent.length > 0;
  }, id, { timeout });
  return page.textContent(`#${id}`);
}

async function fillForm(page, prompt) {
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByLabel('Negative prompt').fill('blurry');
  await page.getByLabel('Width').fill('64');
  await page.getByLabel('Height').fill('64');
  await page.getByLabel('Steps').fill('3');
  await page.getByLabel('CFG scale').fill('6.5');
  await page.getByLabel('Seed', { exact: true }).fill('42');
}

test('consent -> sign up -> generate -> progress -> image -> delete -> export -> delete account', { timeout: 900000 }, async () => {
  const page = browser.page;
  await page.goto(server.url + '/');

  // Consent (P10: the age confirmation comes first).
  await page.waitForSelector('#consent:not([hidden])');
  await page.getByLabel('I am at least 13 years old.').first().check();
  await page.getByRole('button', { name: 'Agree & Continue' }).click();
  await page.waitForSelector('#generate:not([hidden])');
  assert.equal(await page.textContent('#who'), 'Anonymous session');

  // Sign up (P10 again for the account, P1 agreement to the notice).
  await page.click('nav button[data-view="account"]');
  await page.waitForSelector('#signup-anonymous-note:not([hidden])');
  await page.getByLabel('Username', { exact: true }).first().fill('flow_user');
  await page.getByLabel('Password (at least 10 characters)').fill('a long enough password');
  await page.getByLabel('I am at least 13 years old.').nth(1).check();
  await page.getByLabel('I agree to the').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForSelector('#generate:not([hidden])');
  assert.equal(await page.textContent('#who'), 'Signed in as flow_user');
  const cookie = (await browser.context.cookies()).find((c) => c.name === 'pf_session');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', 'HttpOnly SameSite=Strict session cookie');

  // The form offers what the server runs: sampler and schedule lists from the loaded model.
  const options = await (await page.request.get(server.url + '/api/v1/generation-options')).json();
  assert.ok(options.model, 'a model is loaded');
  const samplers = await page.$$eval('#sampler option', (o) => o.map((e) => e.value));
  assert.deepEqual(samplers, options.samplers.map((s) => s.name));
  assert.ok(samplers.includes('euler_ancestral') && (await page.$$eval('#scheduler option', (o) => o.length)) > 1);
  await fillForm(page, 'a watercolour lighthouse at dusk');
  await page.getByLabel('Sampler').selectOption('euler_ancestral');
  await page.getByLabel('Schedule').selectOption('karras');
  await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();

  // Watch progress: the bar's value moves above zero while the job runs (polled, not required
  // visible: a fast job may already have hidden the bar again).
  await page.waitForFunction(() => Number(document.getElementById('progress-bar').getAttribute('aria-valuenow') ?? 0) > 0,
    null, { timeout: 600000, polling: 50 });

  // See the image (a blob: URL made from the bytes this server sent) with its parameters.
  await page.waitForFunction(() => [...document.querySelectorAll('#result img')].some((i) => i.complete && i.naturalWidth === 64),
    null, { timeout: 600000 });
  await page.waitForSelector('#result details.parameters');
  await page.click('#result details.parameters summary');
  const params = await page.textContent('#result details.parameters');
  for (const want of ['a watercolour lighthouse at dusk', 'blurry', 'Euler a', 'Karras', '42', '64x64', '6.5'])
    assert.ok(params.includes(want), `parameters show ${want}: ${params}`);
  const shot = await screenshot(page, 'browser-generated.png');
  assert.ok(fs.statSync(shot).size > 1000);
  assert.equal((await gallery(page)).length, 1);
  assert.equal(await page.locator('#generate-error').isHidden(), true);

  // Reuse these settings: the form is filled back from the image's parameters.
  await page.getByLabel('Prompt', { exact: true }).fill('');
  await page.getByLabel('Seed', { exact: true }).fill('-1');
  await page.getByLabel('Sampler').selectOption('euler');
  await page.click('nav button[data-view="gallery"]');
  await page.waitForSelector('#gallery-grid figure button.reuse:not([disabled])');
  await page.click('#gallery-grid figure button.reuse');
  await page.waitForSelector('#generate:not([hidden])');
  assert.equal(await page.inputValue('#prompt'), 'a watercolour lighthouse at dusk');
  assert.equal(await page.inputValue('#seed'), '42');
  assert.equal(await page.inputValue('#sampler'), 'euler_ancestral');
  assert.equal(await page.inputValue('#scheduler'), 'karras');

  // P11: the per-image showcase opt-in, and its revocation.
  await page.click('nav button[data-view="gallery"]');
  const showcased = async () => (await (await page.request.get(server.url + '/api/v1/showcase')).json()).images;
  assert.deepEqual(await showcased(), []);
  await page.locator('#gallery-grid').getByLabel('Show in public showcase').check();
  await page.waitForFunction(() => document.querySelector('#gallery-grid .card-message')?.textContent.includes('public showcase'));
  const [entry] = await showcased();
  assert.ok(entry, 'the image is in the showcase');
  assert.equal((await fetch(server.url + entry.url)).status, 200, 'anyone can see it');
  await page.reload();
  await page.click('nav button[data-view="gallery"]');
  await page.waitForSelector('#gallery-grid .showcase-toggle:checked');
  await page.locator('#gallery-grid').getByLabel('Show in public showcase').uncheck();
  await page.waitForFunction(() => document.querySelector('#gallery-grid .card-message')?.textContent.includes('Removed'));
  assert.deepEqual(await showcased(), []);
  assert.equal((await fetch(server.url + entry.url)).status, 404, 'revoked: gone from public view');

  // Delete it from the gallery.
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForSelector('#gallery-empty:not([hidden])');
  assert.deepEqual(await gallery(page), []);

  // P8: a blocked prompt says so and starts nothing; a rewritten one says so and runs.
  await page.click('nav button[data-view="generate"]');
  await fillForm(page, 'nude child on a beach');
  await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();
  assert.match(await visibleText(page, 'generate-error'), /prompt was blocked by the safety check \(category: minors\)\. Nothing was generated or stored\./);
  await screenshot(page, 'browser-blocked.png');
  const jobs = await (await page.request.get(server.url + '/api/v1/jobs')).json();
  assert.equal(jobs.jobs.length, 1, 'the blocked prompt made no job');
  await fillForm(page, 'a nude portrait of a sailor');
  await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();
  assert.match(await visibleText(page, 'generate-notice'), /adjusted by the safety check/);
  await page.waitForFunction(() => document.querySelectorAll('#result figure').length > 0 ||
    !document.getElementById('generate-error').hidden, null, { timeout: 600000 });
  assert.equal(await page.locator('#generate-error').isHidden(), true, await page.textContent('#generate-error'));

  // img2img from a JPEG the browser itself encodes, with a chosen denoising strength.
  const jpeg = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 80;
    c.height = 72;
    const g = c.getContext('2d');
    g.fillStyle = '#3a6ea5';
    g.fillRect(0, 0, 80, 72);
    g.fillStyle = '#f4d35e';
    g.fillRect(20, 16, 40, 40);
    return c.toDataURL('image/jpeg', 0.9).split(',')[1];
  });
  await fillForm(page, 'a yellow square at sea');
  await page.setInputFiles('#init-image', { name: 'source.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpeg, 'base64') });
  await page.waitForSelector('#init-preview:not([hidden])');
  await page.locator('#strength').fill('0.5');
  await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('#result figure')].some((f) =>
    f.querySelector('details.parameters')?.textContent.includes('a yellow square at sea')), null, { timeout: 600000 });
  const img2img = await page.textContent('#result details.parameters');
  assert.match(img2img, /Denoising strength\s*0\.5/, img2img);
  await page.click('#init-clear');

  // Queue position: while another job of this account runs, the page's job waits its turn.
  const csrf = (await (await page.request.get(server.url + '/api/v1/session')).json()).csrf_token;
  const blocker = await (await page.request.post(server.url + '/api/v1/generate', {
    headers: { 'X-CSRF-Token': csrf },
    data: { prompt: 'a long queue', width: 64, height: 64, steps: 150, seed: 1 },
  })).json();
  const blockerState = async () => (await (await page.request.get(`${server.url}/api/v1/jobs/${blocker.id}`)).json()).state;
  for (let i = 0; i < 600 && (await blockerState()) === 'queued'; i++) await page.waitForTimeout(100);
  assert.equal(await blockerState(), 'running');
  await fillForm(page, 'a short wait');
  await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction(() => document.getElementById('progress-text').textContent === 'Queued: yours is next');
  const cancelled = await page.request.post(`${server.url}/api/v1/jobs/${blocker.id}/cancel`, { headers: { 'X-CSRF-Token': csrf }, data: {} });
  assert.equal(cancelled.status(), 202);
  await page.waitForFunction(() => [...document.querySelectorAll('#result figure')].some((f) =>
    f.querySelector('details.parameters')?.textContent.includes('a short wait')), null, { timeout: 600000 });

  // Cancel a long job once it is running: the page says so and shows no image.
  await fillForm(page, 'a long walk');
  await page.getByLabel('Steps').fill('150');
  await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction(() => Number(document.getElementById('progress-bar').getAttribute('aria-valuenow') ?? 0) > 0,
    null, { timeout: 600000, polling: 50 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.match(await visibleText(page, 'generate-error', 600000), /cancelled/);
  assert.equal(await page.locator('#result figure').count(), 0);

  // Export: a zip download with the JSON of everything held.
  await page.click('nav button[data-view="privacy"]');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }),
    page.getByRole('link', { name: 'Export my data' }).click()]);
  const zipPath = path.join(server.workDir, 'export.zip');
  await download.saveAs(zipPath);
  const zip = fs.readFileSync(zipPath);
  assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK', 'export is a zip');
  assert.ok(zip.includes(Buffer.from('data.json')), 'export holds data.json');

  // Delete the account and everything in it.
  await page.getByRole('button', { name: 'Delete my account and all its data' }).click();
  await page.waitForSelector('#consent:not([hidden])');
  assert.match(await visibleText(page, 'page-message'), /Deleted/);
  const session = await page.request.get(server.url + '/api/v1/session');
  assert.equal((await session.json()).signed_in, false, 'signed out after deleting the account');
  assert.equal((await browser.context.cookies()).filter((c) => c.name === 'pf_session' && c.value).length, 0);
  const login = await page.request.post(server.url + '/api/v1/login', { data: { username: 'flow_user', password: 'a long enough password' } });
  assert.equal(login.status(), 401, 'the account is gone');
  await screenshot(page, 'browser-final.png');

  assert.deepEqual(browser.record.consoleErrors.filter((e) => !/status of 400/.test(e)), [], 'no console errors');
  assert.deepEqual(browser.record.failedResponses.filter((r) => !r.startsWith('400 POST') || !r.endsWith('/api/v1/generate')), [],
    'the blocked prompt\'s 400 is the only failed response');
  assert.deepEqual(browser.record.foreignRequests, [], 'no request left the server\'s origin');
});

// P9 with the real nsfwjs classifier (from ./models, as scripts/setup installs it) set to flag
// everything: the page says the image was withheld and for how long it is kept for review, and
// shows no image.
const modelsDir = process.env.PIXFORGE_MODELS || path.join(repo, 'models');
const haveClassifier = fs.existsSync(path.join(modelsDir, 'nsfw/mobilenet_v2/model.json'));
test('P9 an image withheld by output moderation is explained, not shown', {
  timeout: 900000,
  skip: haveClassifier ? false : `the NSFW classifier weights are not installed in ${modelsDir} (scripts/setup)`,
}, async () => {
  const flagging = await startServer({ name: 'browser-withheld', model: testModel(), env: modelEnv,
    config: { moderation: { porn: 0, hentai: 0, sexy: 0, models_dir: modelsDir } } });
  resetRecord(browser.record);
  const page = await browser.context.newPage();
  page.on('dialog', (d) => d.accept());
  try {
    await page.goto(flagging.url + '/');
    await page.getByLabel('I am at least 13 years old.').first().check();
    await page.getByRole('button', { name: 'Agree & Continue' }).click();
    await page.waitForSelector('#generate:not([hidden])');
    await fillForm(page, 'a quiet harbour');
    await page.locator('#generate-form').getByRole('button', { name: 'Generate' }).click();
    const notice = await visibleText(page, 'generate-notice', 600000);
    assert.match(notice, /withheld the image: it is not shown to you\. It is kept encrypted for review by a moderator for at most 14 days/);
    assert.equal(await page.locator('#result figure').count(), 0);
    assert.equal(await page.locator('#generate-error').isHidden(), true);
    await screenshot(page, 'browser-withheld.png');
    const listed = await (await page.request.get(flagging.url + '/api/v1/gallery')).json();
    assert.deepEqual(listed.images, [], 'a withheld image is not in the gallery');
  } finally {
    await page.close();
    await flagging.stop();
  }
  assert.deepEqual(browser.record.consoleErrors, [], 'no console errors');
  assert.deepEqual(browser.record.foreignRequests.filter((u) => !u.startsWith(flagging.url)), []);
});
