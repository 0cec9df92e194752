// The official `openai` npm client generating and editing images on the real `pixforge serve`
// with a random-weight checkpoint of the SD 1.5 layout (64x64 keeps it fast): images.generate
// with response_format b64_json and url, images.edit with a PNG and a mask, an API key as the
// bearer token. `steps` is not an OpenAI parameter; it is sent as an extra body field (the
// client passes unknown fields through) so a server that honours it keeps these tests short.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import OpenAI, { toFile } from 'openai';

import { Client } from './lib/client.mjs';
import { testModel } from './lib/model.mjs';
import { encodePng, readPng } from './lib/png.mjs';
import { startServer } from './lib/server.mjs';

describe('openai client, images', () => {
  let server;
  let client;
  let key;

  before(async () => {
    server = await startServer({ name: 'openai-images', model: testModel() });
    const owner = new Client(server.url);
    await owner.signUp('openai_images');
    key = await owner.createKey();
    client = new OpenAI({ apiKey: key.key, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 600000 });
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('images.generate, response_format b64_json', async () => {
    const res = await client.images.generate({ model: 'pixforge', prompt: 'a tiny red house', size: '64x64', n: 1, response_format: 'b64_json', user: 'e2e', steps: 2 });
    assert.ok(Number.isInteger(res.created) && Math.abs(res.created - Date.now() / 1000) < 3600, `created ${res.created}`);
    assert.equal(res.data.length, 1);
    const png = readPng(Buffer.from(res.data[0].b64_json, 'base64'));
    assert.equal(png.width, 64);
    assert.equal(png.height, 64);
  });

  test('images.generate, response_format url: an absolute URL the key can fetch, nobody else', async () => {
    const res = await client.images.generate({ prompt: 'a tiny blue boat', size: '64x64', response_format: 'url', steps: 2 });
    assert.equal(res.data.length, 1);
    const { url } = res.data[0];
    // OpenAI returns absolute URLs; tools download them as given.
    assert.ok(url.startsWith(server.url + '/'), `absolute URL on this server: ${url}`);
    const img = await fetch(url, { headers: { Authorization: `Bearer ${key.key}` } });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/png');
    assert.equal(readPng(Buffer.from(await img.arrayBuffer())).width, 64);
    const stranger = await fetch(url);
    assert.equal(stranger.status, 404, 'another requester cannot fetch it (P6)');
  });

  // The mask is ComfyUI's latent noise mask: where it is opaque the latent stays the input's
  // (so the decoded pixels are the VAE round trip of the input, not its exact pixels; and the
  // decoder's GroupNorm and attention span the whole picture, so a repainted area moves the
  // rest a little). Hence: a fully opaque mask gives the same picture whatever the prompt and
  // seed, and a transparent centre changes the picture there.
  async function edit(prompt, inside) {
    const image = encodePng(64, 64, 3, (x, y) => [x * 4, y * 4, 200]);
    // Transparent where the edit goes (OpenAI's mask convention), opaque elsewhere.
    const mask = encodePng(64, 64, 4, (x, y) => [0, 0, 0, inside(x, y) ? 0 : 255]);
    const res = await client.images.edit({
      image: await toFile(image, 'image.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
      prompt,
      size: '64x64',
      response_format: 'b64_json',
      steps: 2,
    });
    assert.equal(res.data.length, 1);
    const png = readPng(Buffer.from(res.data[0].b64_json, 'base64'));
    assert.equal(png.width, 64);
    assert.equal(png.height, 64);
    return png;
  }

  // Mean and largest absolute difference of two pictures' RGB levels over a region.
  function diff(a, b, region) {
    let sum = 0;
    let n = 0;
    let max = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        if (!region(x, y)) continue;
        const pa = a.pixel(x, y);
        const pb = b.pixel(x, y);
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(pa[c] - pb[c]);
          sum += d;
          max = Math.max(max, d);
          n += 1;
        }
      }
    }
    return { mean: sum / n, max };
  }

  test('images.edit with a PNG and a mask: only the transparent area is regenerated', async () => {
    const centre = (x, y) => x >= 16 && x < 48 && y >= 16 && y < 48;
    const nothing = () => false;
    const keptA = await edit('a yellow sun', nothing);
    const keptB = await edit('a green tree at night', nothing);
    // The seeds differ, so the kept latents can differ in the last float bits (the sampler's
    // last step): 2 levels for the truncation to 8 bits.
    const kept = diff(keptA, keptB, () => true);
    assert.ok(kept.max <= 2, `an opaque mask keeps the whole latent (max difference ${kept.max})`);
    const edited = await edit('a yellow sun', centre);
    const change = diff(edited, keptA, centre).mean;
    assert.ok(change > 5, `the transparent centre is regenerated (mean change ${change})`);
  });
});
