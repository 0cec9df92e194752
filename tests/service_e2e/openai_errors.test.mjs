// The official `openai` npm client against the real `pixforge serve` (no model loaded): API keys
// as bearer tokens, errors in OpenAI's {"error":{message,type,param,code}} shape, and the
// client's typed errors for 400 / 401 / 403 / 429 / 503. Generation itself: openai_images.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import OpenAI, { toFile } from 'openai';

import { Client } from './lib/client.mjs';
import { encodePng } from './lib/png.mjs';
import { startServer } from './lib/server.mjs';

const PROMPT = 'a lighthouse on a cliff, e2e-openai-canary-7f3a';

function openai(server, apiKey) {
  // maxRetries 0: the client would otherwise retry 429/5xx on its own and hide them.
  return new OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 60000 });
}

// Runs `fn`, expects the client to throw `Type`, checks the OpenAI error shape, returns the error.
async function expectError(fn, Type, { status, code, param, type }) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${Type.name}, got success`);
  assert.ok(error instanceof Type, `expected ${Type.name}, got ${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.status, status);
  // The client exposes the parsed {"error": {...}} object's fields.
  assert.equal(error.code, code, 'the stable error code');
  if (param !== undefined) assert.equal(error.param, param);
  if (type !== undefined) assert.equal(error.type, type);
  assert.equal(typeof error.error?.message, 'string');
  assert.ok(error.error.message.length > 0);
  assert.ok(!error.error.message.includes('canary'), 'error messages never echo the request content');
  return error;
}

describe('openai client, errors and auth (no model loaded)', () => {
  let server;
  let owner;
  let key;

  before(async () => {
    server = await startServer({ name: 'openai-errors' });
    owner = new Client(server.url);
    await owner.signUp('openai_owner');
    key = await owner.createKey();
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('the raw error body has exactly OpenAI\'s shape', async () => {
    const res = await fetch(`${server.url}/v1/images/generations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: PROMPT, size: 'huge' }),
    });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.param, 'size');
  });

  test('401: an unknown key raises AuthenticationError', async () => {
    await expectError(() => openai(server, 'pf_not-a-real-key').images.generate({ prompt: PROMPT }), OpenAI.AuthenticationError, {
      status: 401, code: 'invalid_api_key', type: 'authentication_error',
    });
  });

  test('400: bad size, n and response_format raise BadRequestError naming the field', async () => {
    const c = openai(server, key.key);
    await expectError(() => c.images.generate({ prompt: PROMPT, size: '512by512' }), OpenAI.BadRequestError, {
      status: 400, param: 'size', type: 'invalid_request_error', code: 'invalid_field',
    });
    const n = await expectError(() => c.images.generate({ prompt: PROMPT, n: 99 }), OpenAI.BadRequestError, {
      status: 400, param: 'n', code: 'invalid_field',
    });
    assert.match(n.error.message, /\bn\b/);
    await expectError(() => c.images.generate({ prompt: PROMPT, response_format: 'gif' }), OpenAI.BadRequestError, {
      status: 400, param: 'response_format', code: 'invalid_field',
    });
    await expectError(() => c.images.generate({ prompt: '' }), OpenAI.BadRequestError, {
      status: 400, param: 'prompt', code: 'invalid_field',
    });
  });

  test('images.edit with an upload that is not an image: 415, or 400 for a broken PNG (param image)', async () => {
    const c = openai(server, key.key);
    const notPng = await expectError(
      async () => c.images.edit({ image: await toFile(Buffer.from('definitely not a PNG, canary'), 'in.png', { type: 'image/png' }), prompt: PROMPT }),
      OpenAI.APIError, { status: 415, param: 'image', code: 'unsupported_image_format' });
    assert.equal(notPng.type, 'invalid_request_error');
    const png = encodePng(64, 64, 3, () => [1, 2, 3]);
    const truncated = Buffer.concat([png.subarray(0, 40), Buffer.from('canary')]);
    await expectError(async () => c.images.edit({ image: await toFile(truncated, 'in.png', { type: 'image/png' }), prompt: PROMPT }),
      OpenAI.BadRequestError, { status: 400, param: 'image', code: 'invalid_field' });
  });

  test('403: a key without the generate scope raises PermissionDeniedError', async () => {
    const readOnly = await owner.createKey(['read']);
    await expectError(() => openai(server, readOnly.key).images.generate({ prompt: PROMPT }), OpenAI.PermissionDeniedError, {
      status: 403, code: 'insufficient_scope', type: 'permission_error',
    });
  });

  test('401: a revoked key raises AuthenticationError', async () => {
    const k = await owner.createKey();
    const r = await owner.del(`/api/v1/keys/${k.id}`);
    assert.equal(r.status, 200);
    await expectError(() => openai(server, k.key).images.generate({ prompt: PROMPT }), OpenAI.AuthenticationError, {
      status: 401, code: 'invalid_api_key',
    });
  });

  test('503: with no model loaded a valid request raises InternalServerError model_not_loaded', async () => {
    await expectError(() => openai(server, key.key).images.generate({ prompt: PROMPT, size: '64x64' }), OpenAI.InternalServerError, {
      status: 503, code: 'model_not_loaded', type: 'server_error',
    });
    const png = encodePng(64, 64, 3, (x, y) => [x * 4, y * 4, 128]);
    await expectError(async () => openai(server, key.key).images.edit({ image: await toFile(png, 'in.png', { type: 'image/png' }), prompt: PROMPT }),
      OpenAI.InternalServerError, { status: 503, code: 'model_not_loaded' });
  });

  test('unknown /v1 endpoints answer 404 in OpenAI\'s shape (NotFoundError)', async () => {
    await expectError(() => openai(server, key.key).models.list(), OpenAI.NotFoundError, { status: 404, code: 'not_found' });
  });
});

describe('openai client, rate limits (P14)', () => {
  let server;
  before(async () => {
    // Two requests per key, refilled once a minute: the third is refused.
    server = await startServer({ name: 'openai-429', config: { limits: { key_burst: 2, key_rate_per_s: 1 / 60 } } });
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('429: an exhausted key raises RateLimitError with Retry-After', async () => {
    const owner = new Client(server.url);
    await owner.signUp('limited_owner');
    const { key } = await owner.createKey();
    const c = openai(server, key);
    for (let i = 0; i < 2; i++) await expectError(() => c.images.generate({ prompt: PROMPT, size: 'bad' }), OpenAI.BadRequestError, { status: 400, param: 'size', code: 'invalid_field' });
    const e = await expectError(() => c.images.generate({ prompt: PROMPT, size: 'bad' }), OpenAI.RateLimitError, {
      status: 429, code: 'rate_limited', type: 'rate_limit_error',
    });
    const retry = Number(e.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 120, `Retry-After ${e.headers.get('retry-after')}`);
  });
});

describe('openai client, consent renewal after a notice change (P1)', () => {
  test('a key is suspended with 403 consent_renewal_required until its owner renews', async () => {
    let server = await startServer({ name: 'openai-renewal' });
    const dataDir = server.dataDir;
    let key;
    try {
      const owner = new Client(server.url);
      await owner.signUp('renewing_owner');
      key = await owner.createKey();
    } finally {
      // SIGTERM is a graceful stop: exit status 0.
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
    }
    // The operator publishes notice version 2: every key's processing is suspended.
    server = await startServer({ dataDir, config: { notice: { version: 2, last_updated: '2026-11-24' } } });
    try {
      const c = openai(server, key.key);
      const e = await expectError(() => c.images.generate({ prompt: PROMPT, size: '64x64' }), OpenAI.PermissionDeniedError, {
        status: 403, code: 'consent_renewal_required',
      });
      assert.match(e.error.message, /\/privacy/, 'the refusal names the notice URL');
      const owner = new Client(server.url);
      const login = await owner.post('/api/v1/login', { username: 'renewing_owner', password: 'correct horse battery staple' });
      assert.equal(login.status, 200, String(login.body));
      owner.csrf = login.json.csrf_token;
      const renew = await owner.post(`/api/v1/keys/${key.id}/consent`, { agree: true, notice_version: 2 });
      assert.equal(renew.status, 200, String(renew.body));
      // Consent is current again: the request gets past consent to the (absent) model.
      await expectError(() => c.images.generate({ prompt: PROMPT, size: '64x64' }), OpenAI.InternalServerError, {
        status: 503, code: 'model_not_loaded',
      });
    } finally {
      await server.stop();
    }
  });
});
