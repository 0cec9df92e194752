// Measures from outside what bench/service/run.sh cannot with wrk (needs a server with a model):
//  1. the service's own overhead per generation: request accepted (202 received) -> first event
//     of the running job ("started" or "progress") on its SSE stream, jobs run one at a time;
//     1-step 64x64 jobs keep the model time between jobs short (it is not in the number).
//  2. quotas under concurrency: one fresh owner fires many generation requests at once; the
//     accepted count must equal limits.daily_quota_images exactly, never more.
//   node bench/service/generation.mjs URL QUOTA [JOBS]   (JOBS 0: the quota check only)
import { Client, readEvents, waitForJob } from '../../tests/service_e2e/lib/client.mjs';

const [url, quotaArg, jobsArg] = process.argv.slice(2);
const quota = Number(quotaArg);
const jobs = Number(jobsArg ?? 20);
if (!url || !Number.isInteger(quota)) {
  console.error('usage: node generation.mjs URL QUOTA [JOBS]');
  process.exit(2);
}

const body = { prompt: 'benchmark', width: 64, height: 64, steps: 1, seed: 1 };

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function overhead() {
  const c = new Client(url);
  await c.consent();
  const samples = [];
  for (let i = 0; i < jobs + 1; i++) {
    const r = await c.post('/api/v1/generate', body);
    const accepted = performance.now();
    if (r.status !== 202) throw new Error(`POST /api/v1/generate: ${r.status} ${r.body}`);
    const events = await readEvents(c, `/api/v1/jobs/${r.json.id}/events`, { until: (e) => e.type === 'started' || e.type === 'progress' });
    const first = events.find((e) => e.type === 'started' || e.type === 'progress');
    if (!first) throw new Error(`job ${r.json.id}: no started/progress event (${JSON.stringify(events)})`);
    if (i > 0) samples.push(first.at - accepted);  // the first job also loads caches: warm-up
    const done = await waitForJob(c, r.json.id);
    if (done.state !== 'succeeded') throw new Error(`job ${r.json.id} ended ${done.state}`);
  }
  samples.sort((a, b) => a - b);
  console.log(`generation overhead (accepted -> first job event), ${samples.length} jobs: ` +
    `median ${pct(samples, 50).toFixed(2)} ms, p95 ${pct(samples, 95).toFixed(2)} ms, max ${samples.at(-1).toFixed(2)} ms (target <= 5 ms)`);
}

async function quotas() {
  const c = new Client(url);
  await c.consent();
  const attempts = quota * 3;
  const results = await Promise.all(Array.from({ length: attempts }, () => c.post('/api/v1/generate', body)));
  const accepted = results.filter((r) => r.status === 202).length;
  const refused = results.filter((r) => r.status === 429 && r.json?.error?.code === 'quota_exceeded').length;
  const other = results.filter((r) => r.status !== 202 && !(r.status === 429 && r.json?.error?.code === 'quota_exceeded'));
  const listed = (await c.get('/api/v1/jobs')).json.jobs.length;
  const ok = accepted === quota && refused === attempts - quota && listed === quota && other.length === 0;
  console.log(`quota under concurrency: ${attempts} simultaneous requests, quota ${quota}: ` +
    `${accepted} accepted, ${refused} refused (429 quota_exceeded), ${other.length} other, ${listed} jobs stored: ${ok ? 'OK' : 'OVERSPENT OR WRONG'}`);
  for (const r of other.slice(0, 3)) console.log(`  unexpected: ${r.status} ${String(r.body).slice(0, 200)}`);
  // Cancel what was queued so the server stops promptly.
  for (const j of (await c.get('/api/v1/jobs')).json.jobs) await c.post(`/api/v1/jobs/${j.id}/cancel`, {});
  if (!ok) process.exitCode = 1;
}

if (jobs > 0) await overhead();
await quotas();
