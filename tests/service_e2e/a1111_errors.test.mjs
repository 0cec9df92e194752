// A plain A1111-style client against the real `pixforge serve` without a model: the info
// endpoints answer in A1111's shapes, refusals come as {"error": code, "detail": message,
// "field"} with the right status and never echo the prompt. Generation: a1111_compat.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from './lib/client.mjs';
import { startServer } from './lib/server.mjs';

const body = {
  prompt: 'canary-a1111-errors-5e1f', negative_prompt: '', steps: 2, cfg_scale: 7, width: 64, height: 64,
  seed: 1, sampler_name: 'euler', batch_size: 1, n_iter: 1,
};

describe('A1111-compatible API without a model', () => {
  let server;
  let api;
  before(async () => {
    server = await startServer({ name: 'a1111-errors' });
    const owner = new Client(server.url);
    await owner.signUp('a1111_errors');
    api = new Client(server.url);
    api.bearer = (await owner.createKey()).key;
  });
  after(async () => {
    if (server) await server.stop();
  });

  function assertA1111Error(r, status, code, field) {
    assert.equal(r.status, status, String(r.body));
    assert.equal(r.json.error, code);
    assert.equal(typeof r.json.detail, 'string');
    if (field) assert.equal(r.json.field, field);
    assert.ok(!String(r.body).includes('canary'), 'the refusal does not echo the prompt');
  }

  test('sd-models and samplers are empty lists, progress is idle', async () => {
    for (const path of ['/sdapi/v1/sd-models', '/sdapi/v1/samplers']) {
      const r = await api.get(path);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, []);
    }
    const p = await api.get('/sdapi/v1/progress');
    assert.equal(p.status, 200);
    assert.equal(p.json.progress, 0);
    assert.equal(p.json.state.job_count, 0);
    assert.equal(p.json.state.sampling_step, 0);
  });

  test('P1 without a key or consent: 403 consent_required naming the notice', async () => {
    const r = await new Client(server.url).post('/sdapi/v1/txt2img', body);
    assertA1111Error(r, 403, 'consent_required');
    assert.match(r.json.detail, /\/privacy/);
  });

  test('invalid fields: 400 naming the field and the rule', async () => {
    assertA1111Error(await api.post('/sdapi/v1/txt2img', { ...body, width: 65 }), 400, 'invalid_field', 'width');
    assertA1111Error(await api.post('/sdapi/v1/txt2img', { ...body, steps: 0 }), 400, 'invalid_field', 'steps');
    // n_iter runs 1..100 (A1111's batch count range); n_iter x batch_size images each count.
    assertA1111Error(await api.post('/sdapi/v1/txt2img', { ...body, n_iter: 0 }), 400, 'invalid_field', 'n_iter');
    assertA1111Error(await api.post('/sdapi/v1/txt2img', { ...body, n_iter: 101 }), 400, 'invalid_field', 'n_iter');
    assertA1111Error(await api.post('/sdapi/v1/txt2img', { ...body, prompt: 5 }), 400, 'invalid_field', 'prompt');
    const r = await api.request('POST', '/sdapi/v1/txt2img', { body: '{"prompt": "canary', headers: { 'Content-Type': 'application/json' } });
    assertA1111Error(r, 400, 'invalid_json');
  });

  test('img2img without a decodable init image: 4xx naming init_images', async () => {
    assertA1111Error(await api.post('/sdapi/v1/img2img', { ...body, init_images: [] }), 400, 'invalid_field', 'init_images');
    assertA1111Error(await api.post('/sdapi/v1/img2img', { ...body, init_images: ['%%%not base64'] }), 400, 'invalid_field', 'init_images');
  });

  test('a valid request with no model loaded: 503 model_not_loaded', async () => {
    assertA1111Error(await api.post('/sdapi/v1/txt2img', body), 503, 'model_not_loaded');
  });
});
