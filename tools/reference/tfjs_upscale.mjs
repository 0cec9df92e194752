// Reference runs of the esrgan upscalers with TF.js (CPU backend) on a crop of the shared
// astronaut photo; writes tests/golden/vision/upscale_<model>_x<scale>.safetensors with the
// input (NHWC, model range) and output. Usage: node tools/reference/tfjs_upscale.mjs
import path from 'node:path';
import { tf, loadLayersModel, readPng, writeGolden, repoRoot, modelsDir } from './tfjs_common.mjs';

const VERSION = 1;
// A 24x24 crop around the astronaut's face and helmet edge: texture, edges and flat areas.
const CROP = { x: 232, y: 120, w: 24, h: 24 };
const CASES = [
  { model: 'slim', scale: 4 }, { model: 'medium', scale: 4 }, { model: 'slim', scale: 2 },
  { model: 'slim', scale: 3 }, { model: 'thick', scale: 4 },
];

async function main() {
  await tf.setBackend('cpu');
  const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', 'astronaut.png'));
  const crop = new Float32Array(CROP.w * CROP.h * 3);
  for (let y = 0; y < CROP.h; y++)
    for (let x = 0; x < CROP.w; x++)
      for (let c = 0; c < 3; c++)
        crop[(y * CROP.w + x) * 3 + c] = img.data[((CROP.y + y) * img.width + CROP.x + x) * 3 + c];
  for (const { model, scale } of CASES) {
    const file = path.join(modelsDir(), 'upscaler', model, `x${scale}`, 'model.json');
    const net = await loadLayersModel(file);
    // slim/medium take 0-255; thick takes 0-1 (its README's preprocessing).
    const range = model === 'thick' ? 1 / 255 : 1;
    const input = tf.tensor4d(crop.map((v) => v * range), [1, CROP.h, CROP.w, 3]);
    const out = net.predict(input);
    const out_data = await out.data();
    const name = `upscale_${model}_x${scale}`;
    writeGolden(path.join(repoRoot(), 'tests', 'golden', 'vision', `${name}.safetensors`),
      { input: { shape: [1, CROP.h, CROP.w, 3], data: await input.data() },
        output: { shape: out.shape, data: out_data } },
      VERSION, 'tools/reference/tfjs_upscale.mjs',
      { model: `@upscalerjs/esrgan-${model} x${scale}`, backend: tf.getBackend(), crop: JSON.stringify(CROP),
        tfjs: tf.version.tfjs });
    console.log(`${name}: out ${out.shape} range [${Math.min(...out_data).toFixed(2)}, ${Math.max(...out_data).toFixed(2)}]`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
