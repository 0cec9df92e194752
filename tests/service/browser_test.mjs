// The web UI in Debian's chromium (headless, driven by playwright-core): consent → generate →
// progress or the server's error → gallery → export → delete the account. A screenshot of each
// stage is kept under $PIXFORGE_ARTIFACTS (default ./artifacts).
// Usage: node browser_test.mjs <path to pixforge>
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { check, skip, startServer } from './server.mjs';

const CHROMIUM = '/usr/bin/chromium';
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  skip('npm package "playwright-core" not installed (cd tests/service && npm install)');
}
if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} not installed (scripts/setup installs it)`);

const artifacts = process.env.PIXFORGE_ARTIFACTS ?? join(process.cwd(), 'artifacts');
mkdirSync(artifacts, { recursive: true });
const { base, stop } = await startServer(process.argv[2]);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const problems = [];
try {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  // HTTP error statuses the UI handles (the 503 without a model, the favicon 404) are logged by
  // chromium as "Failed to load resource"; CSP violations ("Refused to ...") and script errors
  // are the problems.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });

  await page.goto(base);
  await page.waitForSelector('#consent:not([hidden])');
  const summary = await page.textContent('#consent-summary');
  check(summary.includes('To whom') && summary.includes('How long'), 'consent screen says what, to whom, why, how long');
  // Declining stores nothing and keeps the consent screen.
  await page.click('#decline');
  check((await context.cookies()).length === 0, 'declining set no cookie');
  await page.check('#age-confirmed');
  await page.click('#agree');
  await page.waitForSelector('#generate:not([hidden])');
  check((await context.cookies()).some((c) => c.httpOnly && c.sameSite === 'Strict'), 'HttpOnly SameSite=Strict cookie');
  await page.screenshot({ path: join(artifacts, '1-consented.png') });

  await page.fill('#prompt', 'a lighthouse at dusk');
  await page.fill('#width', '64');
  await page.fill('#height', '64');
  await page.fill('#steps', '2');
  await page.click('#generate-button');
  const hasModel = (await (await fetch(`${base}/sdapi/v1/sd-models`)).json()).length > 0;
  if (hasModel) {
    await page.waitForSelector('#result figure img', { timeout: 300000 });
    await page.screenshot({ path: join(artifacts, '2-generated.png') });
    await page.click('nav button[data-view="gallery"]');
    await page.waitForSelector('#gallery-grid figure');
    await page.click('#gallery-grid .delete-image');
    await page.waitForSelector('#gallery-empty:not([hidden])');
  } else {
    await page.waitForFunction(() => document.getElementById('generate-error').textContent.length > 0);
    const msg = await page.textContent('#generate-error');
    check(msg.includes('no generation pipeline'), `generation error shown: ${msg}`);
    await page.screenshot({ path: join(artifacts, '2-no-model.png') });
  }

  await page.click('nav button[data-view="privacy"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const zipPath = join(artifacts, 'export.zip');
  await download.saveAs(zipPath);
  const { readFileSync } = await import('node:fs');
  check(readFileSync(zipPath).subarray(0, 2).toString() === 'PK', 'export is a zip');

  page.once('dialog', (d) => d.accept());
  await page.click('#delete-all');
  await page.waitForSelector('#consent:not([hidden])');
  const session = await page.evaluate(async () => (await fetch('/api/v1/session')).json());
  check(session.signed_in === false, 'session gone after deleting everything');
  await page.screenshot({ path: join(artifacts, '3-deleted.png') });
  check(external.length === 0, `requests left the origin: ${external.join(', ')}`);
  check(problems.length === 0, `browser errors (CSP violations included): ${problems.join(' | ')}`);
  console.log(`browser test: ok (screenshots in ${artifacts})`);
} finally {
  await browser.close();
  await stop();
}
