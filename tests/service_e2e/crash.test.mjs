// Crash test (issue 4): submit a job, kill -9 the real server in the middle of it, restart on
// the same data directory. The job must end requeued-and-completed or failed cleanly, no
// orphaned or half-written file may remain, and nothing the user sent or got (prompt, e-mail,
// image bytes) may be readable anywhere under the data directory or in the server's log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { Client, readEvents, waitForJob } from './lib/client.mjs';
import { testModel } from './lib/model.mjs';
import { readPng } from './lib/png.mjs';
import { findPlaintext, listFiles } from './lib/scan.mjs';
import { startServer } from './lib/server.mjs';

const PROMPT = 'zebra-canary-prompt-91c4 riding a penny-farthing';
const EMAIL = 'crash.canary.91c4@example.org';

test('P5 crash: kill -9 mid-job, restart: job completes or fails cleanly, no orphan, no plaintext', { timeout: 900000 }, async () => {
  const model = testModel();
  let server = await startServer({ name: 'crash', model });
  const dataDir = server.dataDir;
  const user = new Client(server.url);
  let jobId;
  try {
    await user.signUp('crash_user', { email: EMAIL });
    const r = await user.post('/api/v1/generate', { prompt: PROMPT, negative_prompt: 'canary-negative-91c4', width: 64, height: 64, steps: 8, seed: 7 });
    assert.equal(r.status, 202, String(r.body));
    jobId = r.json.id;
    // Kill once the worker reports a step: the job is running, its outputs not yet written.
    const events = await readEvents(user, `/api/v1/jobs/${jobId}/events`, { until: (e) => e.type === 'progress', timeoutMs: 600000 });
    const last = events.at(-1);
    assert.equal(last?.type, 'progress', `events before the kill: ${JSON.stringify(events.map((e) => e.type))}`);
    assert.ok(last.step < last.total, 'killed mid-job, before the last step');
  } finally {
    await server.kill9();
  }
  assert.ok(!fs.readFileSync(server.logPath, 'utf8').includes('canary'), 'the server log holds no user content');

  server = await startServer({ dataDir, model });
  // Same data directory, new ephemeral port: the user's session cookie must still work there.
  user.baseUrl = server.url;
  try {
    // A restarted server may not leave any half-written file visible.
    const tmp = path.join(dataDir, 'tmp');
    if (fs.existsSync(tmp)) assert.deepEqual(fs.readdirSync(tmp), [], 'no temp files after recovery');
    const job = await waitForJob(user, jobId);
    assert.ok(['succeeded', 'failed'].includes(job.state), `job ended ${job.state}`);
    const gallery = await user.get('/api/v1/gallery');
    assert.equal(gallery.status, 200);
    const imageIds = gallery.json.images.map((i) => i.id);
    let imageBytes = [];
    if (job.state === 'succeeded') {
      assert.equal(job.images.length, 1);
      const img = await user.get(job.images[0].url);
      assert.equal(img.status, 200);
      assert.equal(readPng(img.body).width, 64);
      imageBytes = [img.body.subarray(0, 64), img.body.subarray(img.body.length / 2, img.body.length / 2 + 64)];
      assert.deepEqual(imageIds, [job.images[0].id]);
    } else {
      assert.equal(typeof job.error, 'string', 'a failed job names a stable error code');
      assert.deepEqual(imageIds, [], 'a failed job leaves no image');
    }
    // Every stored blob belongs to a row the API shows: nothing orphaned (txt2img has no uploads).
    const blobs = path.join(dataDir, 'blobs');
    const files = fs.existsSync(blobs) ? listFiles(blobs).map((f) => path.basename(f)) : [];
    assert.deepEqual(files.sort(), [...imageIds].sort(), 'blob files match the job\'s outputs');

    const patterns = { prompt: PROMPT, 'negative prompt': 'canary-negative-91c4', email: EMAIL };
    imageBytes.forEach((b, i) => { patterns[`image bytes #${i}`] = b; });
    assert.deepEqual(findPlaintext(dataDir, patterns), [], 'no plaintext while running');
    await server.stop();
    // After a clean stop too (SQLite checkpoints its WAL into the main file).
    assert.deepEqual(findPlaintext(dataDir, patterns), [], 'no plaintext after stop');
    for (const log of [server.logPath]) assert.ok(!fs.readFileSync(log, 'utf8').includes('canary'), 'the server log holds no user content');
  } finally {
    await server.stop();
  }
});
