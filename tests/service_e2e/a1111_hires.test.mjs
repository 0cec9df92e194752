// A1111's hires fix and variation seeds through the real `pixforge serve` on the random-weight
// SD 1.5 checkpoint, as A1111 tools send them: enable_hr 64x64 -> 128x128 (1 + 1 steps) returns
// an image of the target size whose infotext carries A1111's hires keys; subseed_strength
// changes the picture while strength 0 is exactly no variation; the upscaler lists.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from './lib/client.mjs';
import { testModel } from './lib/model.mjs';
import { readPng } from './lib/png.mjs';
import { startServer } from './lib/server.mjs';

function body(overrides = {}) {
  return {
    prompt: 'a lighthouse at dusk',
    negative_prompt: 'blurry',
    steps: 1,
    cfg_scale: 7,
    width: 64,
    height: 64,
    seed: 321,
    sampler_name: 'Euler',
    ...overrides,
  };
}

function pixels(b64) {
  const png = readPng(Buffer.from(b64, 'base64'));
  const out = [];
  for (let y = 0; y < png.height; y += 3) for (let x = 0; x < png.width; x += 3) out.push(...png.pixel(x, y));
  return out;
}

describe('A1111 hires fix and variation seeds', () => {
  let server;
  let api;

  before(async () => {
    server = await startServer({ name: 'a1111_hires', model: testModel() });
    const owner = new Client(server.url);
    await owner.signUp('hires_owner');
    const { key } = await owner.createKey();
    api = new Client(server.url);
    api.bearer = key;
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('GET /sdapi/v1/upscalers and /sdapi/v1/latent-upscale-modes list what runs', async () => {
    const up = await api.get('/sdapi/v1/upscalers');
    assert.equal(up.status, 200);
    const names = up.json.map((u) => u.name);
    assert.deepEqual(names.slice(0, 3), ['None', 'Lanczos', 'Nearest']);
    // The ESRGAN models follow when installed (`pixforge models install upscaler`).
    for (const n of names.slice(3)) assert.match(n, /^ESRGAN (slim|medium|thick) x[2348]$/);
    const latent = await api.get('/sdapi/v1/latent-upscale-modes');
    assert.equal(latent.status, 200);
    assert.deepEqual(latent.json.map((m) => m.name), [
      'Latent', 'Latent (antialiased)', 'Latent (bicubic)', 'Latent (bicubic antialiased)',
      'Latent (nearest)', 'Latent (nearest-exact)']);
  });

  test('enable_hr returns an image of the target size with A1111 hires infotext keys', async () => {
    const r = await api.post('/sdapi/v1/txt2img', body({
      enable_hr: true, hr_scale: 2, hr_upscaler: 'Latent', hr_second_pass_steps: 1,
      denoising_strength: 0.6,
    }));
    assert.equal(r.status, 200, String(r.body).slice(0, 500));
    const png = readPng(Buffer.from(r.json.images[0], 'base64'));
    assert.equal(png.width, 128);
    assert.equal(png.height, 128);
    const text = png.text.parameters;
    for (const part of ['Size: 64x64', 'Denoising strength: 0.6', 'Hires upscale: 2',
      'Hires steps: 1', 'Hires upscaler: Latent']) {
      assert.ok(text.includes(part), `${part} in ${text}`);
    }
    const info = JSON.parse(r.json.info);
    assert.equal(info.extra_generation_params['Hires upscale'], '2');
    assert.equal(info.denoising_strength, 0.6);
  });

  test('a pixel upscaler with hr_resize_x keeps the aspect ratio', async () => {
    const r = await api.post('/sdapi/v1/txt2img', body({
      enable_hr: true, hr_resize_x: 96, hr_resize_y: 0, hr_upscaler: 'Lanczos',
      hr_second_pass_steps: 1, denoising_strength: 0.5,
    }));
    assert.equal(r.status, 200, String(r.body).slice(0, 500));
    const png = readPng(Buffer.from(r.json.images[0], 'base64'));
    assert.equal(png.width, 96);
    assert.equal(png.height, 96);
    assert.ok(png.text.parameters.includes('Hires resize: 96x0'), png.text.parameters);
  });

  test('an installed ESRGAN model upscales the first pass', async (t) => {
    const names = (await api.get('/sdapi/v1/upscalers')).json.map((u) => u.name);
    if (!names.includes('ESRGAN slim x2')) {
      t.skip('ESRGAN slim x2 is not installed (pixforge models install upscaler)');
      return;
    }
    const r = await api.post('/sdapi/v1/txt2img', body({
      enable_hr: true, hr_scale: 2, hr_upscaler: 'ESRGAN slim x2', hr_second_pass_steps: 1,
      denoising_strength: 0.5,
    }));
    assert.equal(r.status, 200, String(r.body).slice(0, 500));
    const png = readPng(Buffer.from(r.json.images[0], 'base64'));
    assert.equal(png.width, 128);
    assert.ok(png.text.parameters.includes('Hires upscaler: ESRGAN slim x2'), png.text.parameters);
  });

  test('subseed_strength changes the image; strength 0 equals no variation', async () => {
    const plain = await api.post('/sdapi/v1/txt2img', body());
    const zero = await api.post('/sdapi/v1/txt2img', body({ subseed: 77, subseed_strength: 0 }));
    const varied = await api.post('/sdapi/v1/txt2img', body({ subseed: 77, subseed_strength: 0.5 }));
    for (const r of [plain, zero, varied]) assert.equal(r.status, 200, String(r.body).slice(0, 300));
    assert.deepEqual(pixels(zero.json.images[0]), pixels(plain.json.images[0]));
    assert.notDeepEqual(pixels(varied.json.images[0]), pixels(plain.json.images[0]));
    const text = readPng(Buffer.from(varied.json.images[0], 'base64')).text.parameters;
    assert.ok(text.includes('Variation seed: 77, Variation seed strength: 0.5'), text);
    const info = JSON.parse(varied.json.info);
    assert.equal(info.subseed, 77);
    assert.equal(info.subseed_strength, 0.5);
  });

  test('bad hires values are a 400 naming the field', async () => {
    const r = await api.post('/sdapi/v1/txt2img', body({ enable_hr: true, hr_upscaler: 'ESRGAN_4x' }));
    assert.equal(r.status, 400, String(r.body).slice(0, 300));
    assert.equal(r.json.field, 'hr_upscaler');
  });
});
