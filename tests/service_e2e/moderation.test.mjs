// Output moderation (P9) end to end with the REAL classifier: `pixforge serve --model` on the
// random-weight SD 1.5 checkpoint, the nsfwjs MobileNetV2 weights from ./models (installed by
// scripts/setup), and thresholds set to 0 in the configuration so that the real classifier's
// real scores of a real output flag it. The image is withheld from its owner, visible to a
// moderator (made with `pixforge admin set-role`), and the moderator's release returns it.
// Skips (exit 77, saying why) when the classifier weights are not installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Client, waitForJob } from './lib/client.mjs';
import { testModel } from './lib/model.mjs';
import { readPng } from './lib/png.mjs';
import { pixforgeBin, startServer } from './lib/server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelsDir = process.env.PIXFORGE_MODELS || path.join(repo, 'models');
if (!fs.existsSync(path.join(modelsDir, 'nsfw/mobilenet_v2/model.json'))) {
  console.log(`SKIP: the NSFW classifier weights are not installed in ${modelsDir} (scripts/setup, or pixforge models install)`);
  process.exit(77);
}

describe('P9 output moderation with the real classifier', () => {
  let server;
  const owner = new Client('');
  const moderator = new Client('');
  let jobId;

  before(async () => {
    server = await startServer({
      name: 'moderation',
      model: testModel(),
      config: { moderation: { porn: 0, hentai: 0, sexy: 0, models_dir: modelsDir } },
    });
    owner.baseUrl = server.url;
    moderator.baseUrl = server.url;
    await owner.signUp('p9_owner');
    await moderator.signUp('p9_moderator');
    execFileSync(pixforgeBin(), ['admin', '--data-dir', server.dataDir, 'set-role', 'p9_moderator', 'moderator'],
      { stdio: ['ignore', 'inherit', 'inherit'] });
  });
  after(async () => {
    if (server) assert.equal((await server.stop()).code, 0, 'graceful stop');
  });

  test('serve states its moderation choice at start-up', () => {
    assert.match(server.logs.join(''), /output moderation: nsfwjs MobileNetV2 \(flag at porn >= 0/);
  });

  test('a flagged output is withheld from its owner (no bytes, no URL)', async () => {
    const r = await owner.post('/api/v1/generate', { prompt: 'a lighthouse at dusk', width: 64, height: 64, steps: 1, seed: 7 });
    assert.equal(r.status, 202, String(r.body));
    jobId = r.json.id;
    const job = await waitForJob(owner, jobId);
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual(job.images, []);
    const gallery = await owner.get('/api/v1/gallery');
    assert.deepEqual(gallery.json.images, []);
    const me = await owner.get('/api/v1/me');
    const held = me.json.images.filter((i) => i.kind === 'flagged');
    assert.equal(held.length, 1, 'the owner can see that an image is held');
    assert.equal((await owner.get(`/api/v1/images/${held[0].id}`)).status, 404);
  });

  test('the owner and other users cannot reach the moderation routes', async () => {
    assert.equal((await owner.get('/api/v1/moderation/flags')).status, 403);
  });

  test('a moderator sees the real scores and the image, and releases it', async () => {
    const list = await moderator.get('/api/v1/moderation/flags');
    assert.equal(list.status, 200, String(list.body));
    assert.equal(list.json.flags.length, 1);
    const flag = list.json.flags[0];
    const classes = Object.keys(flag.scores).sort();
    assert.deepEqual(classes, ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    const sum = Object.values(flag.scores).reduce((a, b) => a + b, 0);
    // Softmax output of the real network: the five probabilities sum to 1 (f32 rounding).
    assert.ok(Math.abs(sum - 1) < 1e-3, `scores sum to ${sum}`);
    assert.ok(classes.includes(flag.top_class));
    console.log(`real classifier scores of the random-weight output: ${JSON.stringify(flag.scores)}`);
    const img = await moderator.get(flag.image_url);
    assert.equal(img.status, 200);
    const png = readPng(img.body);
    assert.equal(png.width, 64);
    assert.equal(png.height, 64);
    const d = await moderator.post(`/api/v1/moderation/flags/${flag.id}/decision`, { decision: 'release' });
    assert.equal(d.status, 200, String(d.body));
    const job = await waitForJob(owner, jobId);
    assert.equal(job.images.length, 1, 'released to its owner');
    assert.equal((await owner.get(job.images[0].url)).status, 200);
  });
});
