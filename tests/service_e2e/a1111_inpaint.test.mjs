// A1111 inpainting on /sdapi/v1/img2img against the real `pixforge serve` with the random-weight
// SD 1.5 checkpoint, as A1111 tools (Krita / Photoshop plugins, scripts written against A1111's
// /docs) send it: a `mask` with A1111's API defaults (inpainting_fill 0 "fill",
// inpaint_full_res true "only masked", inpaint_full_res_padding 0, mask_blur 4) and every
// masked-content mode. What A1111
// promises is checked on the returned pixels: its overlay pastes the original back with the
// blurred mask as transparency, so every pixel the blurred mask does not reach equals the input
// exactly; inpainting changes the masked area. 64x64, 2 steps per generation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from './lib/client.mjs';
import { testModel } from './lib/model.mjs';
import { encodePng, readPng } from './lib/png.mjs';
import { startServer } from './lib/server.mjs';

const SIZE = 64;
// The mask: a white 12x12 square at (26, 22) on black.
const MASK = { x1: 26, y1: 22, x2: 38, y2: 34 };
// cv2's Gaussian of sigma 4 (A1111's default blur) has radius int(2.5 * 4 + 0.5) = 10: pixels
// further than that from the square are untouched by the blurred mask.
const BLUR_REACH = 10;

const initPixel = (x, y) => [(x * 4) & 255, (y * 4) & 255, ((x ^ y) * 8) & 255];
const inSquare = (x, y) => x >= MASK.x1 && x < MASK.x2 && y >= MASK.y1 && y < MASK.y2;
const farFromMask = (x, y) =>
  x < MASK.x1 - BLUR_REACH || x >= MASK.x2 + BLUR_REACH || y < MASK.y1 - BLUR_REACH || y >= MASK.y2 + BLUR_REACH;

const INIT = encodePng(SIZE, SIZE, 3, initPixel).toString('base64');
const MASK_PNG = encodePng(SIZE, SIZE, 3, (x, y) => (inSquare(x, y) ? [255, 255, 255] : [0, 0, 0])).toString('base64');

function inpaintBody(overrides = {}) {
  return {
    prompt: 'a red door',
    steps: 2,
    cfg_scale: 5,
    width: SIZE,
    height: SIZE,
    seed: 77,
    sampler_name: 'Euler',
    denoising_strength: 0.9,
    init_images: [INIT],
    mask: MASK_PNG,
    ...overrides,
  };
}

// Counts pixels far from the mask that differ from the input (must be 0) and channel values
// inside the square that differ (inpainting happened).
function compare(b64) {
  const png = readPng(Buffer.from(b64, 'base64'));
  assert.equal(png.width, SIZE);
  assert.equal(png.height, SIZE);
  let farChanged = 0;
  let farCount = 0;
  let insideChanged = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const got = png.pixel(x, y);
      const want = initPixel(x, y);
      const differs = [0, 1, 2].filter((c) => got[c] !== want[c]).length;
      if (farFromMask(x, y)) {
        farCount++;
        if (differs) farChanged++;
      } else if (inSquare(x, y)) {
        insideChanged += differs;
      }
    }
  }
  return { farChanged, farCount, insideChanged, text: png.text.parameters };
}

describe('A1111 inpainting (/sdapi/v1/img2img with a mask)', () => {
  let server;
  let api;

  before(async () => {
    server = await startServer({ name: 'a1111_inpaint', model: testModel() });
    const owner = new Client(server.url);
    await owner.signUp('a1111_inpaint_owner');
    const { key } = await owner.createKey();
    api = new Client(server.url);
    api.bearer = key;
  });
  after(async () => {
    if (server) await server.stop();
  });

  test("A1111's default request (fill, only masked) succeeds and keeps the unmasked pixels", async () => {
    const r = await api.post('/sdapi/v1/img2img', inpaintBody());
    assert.equal(r.status, 200, String(r.body).slice(0, 300));
    const c = compare(r.json.images[0]);
    assert.ok(c.farCount > 1000, `${c.farCount} far pixels`);
    assert.equal(c.farChanged, 0, 'pixels beyond the blurred mask equal the input');
    assert.ok(c.insideChanged > 100, `only ${c.insideChanged} channel values inside the mask changed`);
    assert.match(c.text, /Mask blur: 4/);
    assert.match(c.text, /Inpaint area: Only masked, Masked area padding: 0/);
    assert.match(c.text, /Masked content: fill/);
  });

  test('only masked with a small padding changes only the masked neighbourhood', async () => {
    // Padding 4: the crop (about 40x40 around the square) is upscaled to 64x64, inpainted and
    // scaled back into place.
    const r = await api.post('/sdapi/v1/img2img', inpaintBody({ inpaint_full_res: true, inpaint_full_res_padding: 4, inpainting_fill: 2 }));
    assert.equal(r.status, 200, String(r.body).slice(0, 300));
    const c = compare(r.json.images[0]);
    assert.equal(c.farChanged, 0);
    assert.ok(c.insideChanged > 100, `only ${c.insideChanged} channel values inside the mask changed`);
    assert.match(c.text, /Masked area padding: 4/);
    assert.match(c.text, /Masked content: latent noise/);
  });

  test('every masked-content mode runs on the whole picture, with the original pasted back', async () => {
    const labels = { 0: /Masked content: fill/, 1: null, 2: /Masked content: latent noise/, 3: /Masked content: latent nothing/ };
    for (const fill of [0, 1, 2, 3]) {
      const r = await api.post('/sdapi/v1/img2img', inpaintBody({ inpainting_fill: fill, inpaint_full_res: false }));
      assert.equal(r.status, 200, `inpainting_fill ${fill}: ${String(r.body).slice(0, 300)}`);
      const c = compare(r.json.images[0]);
      assert.equal(c.farChanged, 0, `inpainting_fill ${fill}: pixels beyond the blurred mask changed`);
      assert.ok(c.insideChanged > 50, `inpainting_fill ${fill}: only ${c.insideChanged} values changed`);
      if (labels[fill]) assert.match(c.text, labels[fill]);
      else assert.doesNotMatch(c.text, /Masked content/);
      assert.doesNotMatch(c.text, /Inpaint area/);
    }
  });

  test('out-of-range inpainting fields are a 400 naming the field', async () => {
    for (const [field, value] of [['inpainting_fill', 4], ['inpaint_full_res_padding', -1], ['inpaint_full_res', 'yes']]) {
      const r = await api.post('/sdapi/v1/img2img', inpaintBody({ [field]: value }));
      assert.equal(r.status, 400, `${field}: ${String(r.body).slice(0, 200)}`);
      assert.match(JSON.stringify(r.json), new RegExp(field));
    }
  });
});
