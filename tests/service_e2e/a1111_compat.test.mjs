// A plain AUTOMATIC1111-style client against the real `pixforge serve` with a random-weight
// checkpoint of the SD 1.5 layout: JSON over HTTP exactly as the many A1111 tools send it
// (txt2img with the usual fields, progress polling, sd-models, samplers, schedulers, options).
// Images come back as base64 PNG carrying A1111's `parameters` text chunk (F15). Few steps at
// 64x64 (the whole file took about 2 minutes on the shared, loaded 2-core box, model loading
// included), so every generation here is 1-6 steps.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { Client } from './lib/client.mjs';
import { testModel } from './lib/model.mjs';
import { readPng } from './lib/png.mjs';
import { startServer } from './lib/server.mjs';

// What A1111 front ends (and scripts written against its /docs) post to /sdapi/v1/txt2img.
function txt2imgBody(overrides = {}) {
  return {
    prompt: 'a red fox in the snow, (masterpiece:1.2)',
    negative_prompt: 'blurry',
    steps: 2,
    cfg_scale: 7,
    width: 64,
    height: 64,
    seed: 1234,
    sampler_name: 'euler',
    batch_size: 1,
    n_iter: 1,
    ...overrides,
  };
}

// Streamed, before any connection is open: hashing the ~1.7 GB checkpoint synchronously blocked
// Node's event loop for seconds, so fetch's keep-alive timer could not retire a pooled socket the
// server had already closed after its 5 s idle timeout, and the next request failed with
// "other side closed" (a client-side race, seen once in CI).
async function sha256OfFile(file) {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

describe('A1111-compatible API', () => {
  let server;
  let api;  // an A1111 tool configured with an API key
  let modelFile;
  let modelSha256;

  before(async () => {
    modelFile = testModel();
    modelSha256 = await sha256OfFile(modelFile);
    server = await startServer({ name: 'a1111', model: modelFile });
    const owner = new Client(server.url);
    await owner.signUp('a1111_owner');
    const { key } = await owner.createKey();
    api = new Client(server.url);
    api.bearer = key;
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('GET /sdapi/v1/sd-models lists the loaded checkpoint', async () => {
    const r = await api.get('/sdapi/v1/sd-models');
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json) && r.json.length === 1, JSON.stringify(r.json));
    for (const f of ['title', 'model_name', 'filename']) assert.equal(typeof r.json[0][f], 'string', f);
  });

  test('GET /sdapi/v1/samplers lists names txt2img accepts', async () => {
    const r = await api.get('/sdapi/v1/samplers');
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json) && r.json.length > 0);
    for (const s of r.json) {
      assert.equal(typeof s.name, 'string');
      assert.ok(Array.isArray(s.aliases));
      assert.equal(typeof s.options, 'object');
    }
    const names = r.json.map((s) => s.name);
    assert.ok(names.some((n) => /^euler$/i.test(n)), `Euler is offered: ${names}`);
  });

  test('GET /sdapi/v1/progress when idle', async () => {
    const r = await api.get('/sdapi/v1/progress');
    assert.equal(r.status, 200);
    assert.equal(r.json.progress, 0);
    assert.equal(r.json.state.job_count, 0);
    assert.equal(r.json.current_image, null);
  });

  test('POST /sdapi/v1/txt2img returns base64 PNGs with the parameters chunk', async () => {
    const body = txt2imgBody();
    const r = await api.post('/sdapi/v1/txt2img', body);
    assert.equal(r.status, 200, String(r.body).slice(0, 500));
    assert.ok(Array.isArray(r.json.images) && r.json.images.length === 1);
    assert.match(r.json.images[0], /^[A-Za-z0-9+/]+={0,2}$/, 'plain base64 (no data: prefix), as A1111 sends');
    const png = readPng(Buffer.from(r.json.images[0], 'base64'));
    assert.equal(png.width, 64);
    assert.equal(png.height, 64);
    // A1111 infotext: prompt line, "Negative prompt: ..." line, then "Steps: 3, Sampler: ..., ...".
    const text = png.text.parameters;
    assert.equal(typeof text, 'string', `PNG text chunks: ${Object.keys(png.text)}`);
    const lines = text.split('\n');
    assert.equal(lines[0], body.prompt);
    assert.equal(lines[1], `Negative prompt: ${body.negative_prompt}`);
    for (const part of ['Steps: 2', 'CFG scale: 7', 'Seed: 1234', 'Size: 64x64']) assert.ok(lines[2].includes(part), `${part} in ${lines[2]}`);
    assert.match(lines[2], /Sampler: Euler/);
    // "parameters" echoes the request; "info" is a JSON string (A1111 tools JSON.parse it).
    assert.equal(r.json.parameters.seed, 1234);
    assert.equal(r.json.parameters.steps, 2);
    const info = JSON.parse(r.json.info);
    assert.equal(info.seed, 1234);
  });

  test('the same seed and settings give the same image; another seed another one', async () => {
    const a = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1 }));
    const b = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1 }));
    const c = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, seed: 99 }));
    for (const r of [a, b, c]) assert.equal(r.status, 200, String(r.body).slice(0, 300));
    assert.equal(a.json.images[0], b.json.images[0]);
    assert.notEqual(a.json.images[0], c.json.images[0]);
  });

  test('batch_size 2 returns two images', async () => {
    const r = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, batch_size: 2 }));
    assert.equal(r.status, 200, String(r.body).slice(0, 300));
    assert.equal(r.json.images.length, 2);
    for (const img of r.json.images) assert.equal(readPng(Buffer.from(img, 'base64')).width, 64);
  });

  test('n_iter x batch_size: image k is what seed + k gives on its own (A1111 all_seeds)', async () => {
    const r = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, n_iter: 2, batch_size: 2 }));
    assert.equal(r.status, 200, String(r.body).slice(0, 300));
    assert.equal(r.json.images.length, 4);
    const info = JSON.parse(r.json.info);
    assert.deepEqual(info.all_seeds, [1234, 1235, 1236, 1237]);
    assert.equal(info.infotexts.length, 4);
    assert.equal(info.index_of_first_image, 0);
    const pixels = (b64) => {
      const png = readPng(Buffer.from(b64, 'base64'));
      const out = [];
      for (let y = 0; y < png.height; y += 7) for (let x = 0; x < png.width; x += 5) out.push(...png.pixel(x, y));
      return out;
    };
    for (const k of [1, 3]) {
      const alone = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, seed: 1234 + k }));
      assert.equal(alone.status, 200);
      assert.deepEqual(pixels(r.json.images[k]), pixels(alone.json.images[0]), `image ${k} = seed ${1234 + k}`);
      assert.match(readPng(Buffer.from(r.json.images[k], 'base64')).text.parameters, new RegExp(`Seed: ${1234 + k},`));
    }
    assert.notDeepEqual(pixels(r.json.images[0]), pixels(r.json.images[1]));
  });

  test('sd-models: the short hash is the engine\'s, sha256 is the whole file\'s, no server path', async () => {
    const sha = modelSha256;
    let entry = null;
    for (let i = 0; i < 600 && !(entry && entry.sha256); i++) {
      const r = await api.get('/sdapi/v1/sd-models');
      assert.equal(r.status, 200);
      entry = r.json[0];
      if (!entry.sha256) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(entry.sha256, sha, 'sha256 computed in the background');
    assert.equal(entry.hash, sha.slice(0, 10));
    const name = modelFile.split('/').pop();
    assert.equal(entry.title, `${name} [${sha.slice(0, 10)}]`);
    assert.equal(entry.filename, name);
    assert.equal(entry.config, null);
    const r = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1 }));
    assert.match(readPng(Buffer.from(r.json.images[0], 'base64')).text.parameters, new RegExp(`Model hash: ${sha.slice(0, 10)}`));
    assert.equal(JSON.parse(r.json.info).sd_model_hash, sha.slice(0, 10));
  });

  test('GET /sdapi/v1/progress reports a running job', async () => {
    const pending = api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 6 }));
    let seen = null;
    const deadline = Date.now() + 300000;
    while (!seen && Date.now() < deadline) {
      const p = await api.get('/sdapi/v1/progress');
      assert.equal(p.status, 200);
      if (p.json.state.sampling_step > 0) seen = p.json;
      else await new Promise((r) => setTimeout(r, 50));
    }
    const done = await pending;
    assert.equal(done.status, 200);
    assert.ok(seen, 'progress was observed while the job ran');
    assert.equal(seen.state.sampling_steps, 6);
    assert.ok(seen.progress > 0 && seen.progress <= 1, `progress ${seen.progress}`);
    assert.ok(seen.state.job_count >= 1);
    assert.equal(typeof seen.state.job, 'string');
  });

  test('A1111 display names for samplers are accepted ("Euler", "Euler a")', async () => {
    for (const name of ['Euler', 'Euler a']) {
      const r = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, sampler_name: name }));
      assert.equal(r.status, 200, `${name}: ${String(r.body).slice(0, 300)}`);
    }
  });

  test('A1111 1.9 "scheduler" and the older "DPM++ 2M Karras" name run the same sampling', async () => {
    const schedulers = await api.get('/sdapi/v1/schedulers');
    assert.equal(schedulers.status, 200);
    assert.ok(schedulers.json.some((s) => s.name === 'karras' && s.label === 'Karras'), JSON.stringify(schedulers.json));
    const split = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, sampler_name: 'DPM++ 2M', scheduler: 'Karras' }));
    const legacy = await api.post('/sdapi/v1/txt2img', txt2imgBody({ steps: 1, sampler_name: 'DPM++ 2M Karras' }));
    for (const r of [split, legacy]) assert.equal(r.status, 200, String(r.body).slice(0, 300));
    assert.equal(split.json.images[0], legacy.json.images[0], 'same pixels and the same parameters chunk');
    const text = readPng(Buffer.from(split.json.images[0], 'base64')).text.parameters;
    assert.match(text, /Sampler: DPM\+\+ 2M, Schedule type: Karras/);
    assert.equal(JSON.parse(split.json.info).sampler_name, 'DPM++ 2M');
  });

  test('GET /sdapi/v1/options names the loaded checkpoint; other checkpoints are refused', async () => {
    const models = await api.get('/sdapi/v1/sd-models');
    const options = await api.get('/sdapi/v1/options');
    assert.equal(options.status, 200);
    assert.equal(options.json.sd_model_checkpoint, models.json[0].title);
    assert.equal((await api.post('/sdapi/v1/options', { sd_model_checkpoint: models.json[0].title })).status, 200);
    const other = await api.post('/sdapi/v1/options', { sd_model_checkpoint: 'v1-5-pruned-emaonly.safetensors [6ce0161689]' });
    assert.equal(other.status, 400);
    assert.equal(other.json.field, 'sd_model_checkpoint');
  });

  test('invalid fields get a 4xx naming the field, without echoing the prompt', async () => {
    const r = await api.post('/sdapi/v1/txt2img', txt2imgBody({ width: 65, prompt: 'canary-a1111-3b9d' }));
    assert.equal(r.status, 400);
    assert.equal(r.json.field, 'width');
    assert.match(r.json.detail, /width/);
    assert.ok(!String(r.body).includes('canary'));
  });

  test('without a key or consent nothing runs (P1)', async () => {
    const anon = new Client(server.url);
    const r = await anon.post('/sdapi/v1/txt2img', txt2imgBody());
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'consent_required');
    assert.match(r.json.detail, /\/privacy/);
  });
});
