// Debian's Chromium driven headless by playwright-core, in a fresh profile, recording every
// console error and every request so tests can assert "no errors" and "nothing leaves loopback".
import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.PIXFORGE_CHROMIUM || '/usr/bin/chromium';

export async function openBrowser(serverUrl, profileDir) {
  fs.mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const origin = new URL(serverUrl).origin;
  const record = { consoleErrors: [], foreignRequests: [], requests: [], failedResponses: [] };
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') record.consoleErrors.push(`${msg.text()} [${msg.location()?.url ?? ''}]`);
    });
    page.on('pageerror', (err) => record.consoleErrors.push(`uncaught: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) record.failedResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  context.on('request', (req) => {
    const url = req.url();
    record.requests.push(`${req.method()} ${url}`);
    if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return;
    if (new URL(url).origin !== origin) record.foreignRequests.push(url);
  });
  const page = context.pages()[0] || (await context.newPage());
  return { context, page, record };
}

// Forgets what was recorded so far, so each test asserts on its own console and requests.
export function resetRecord(record) {
  for (const list of Object.values(record)) list.length = 0;
}

export async function screenshot(page, name) {
  const dir = process.env.PIXFORGE_E2E_WORK || '/tmp';
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// The first of several candidate locators that is visible within `timeoutMs`.
export async function firstVisible(page, candidates, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const c of candidates) {
      const l = c.first();
      if (await l.isVisible().catch(() => false)) return l;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`the page shows no ${what}`);
}
