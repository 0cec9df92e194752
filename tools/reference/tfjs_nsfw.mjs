// Reference run of nsfwjs's MobileNetV2 (TF.js CPU backend) on the shared photos, preprocessed
// as nsfwjs does (bilinear resize to 224x224 with aligned corners, x/255). Writes
// tests/golden/vision/nsfw_mobilenet_v2.safetensors: the astronaut's preprocessed input and the
// probabilities of all three photos (Drawing, Hentai, Neutral, Porn, Sexy).
import path from 'node:path';
import { tf, loadLayersModel, readPng, writeGolden, repoRoot, modelsDir } from './tfjs_common.mjs';

const VERSION = 1;
const IMAGES = ['astronaut', 'coffee', 'chelsea'];

async function main() {
  await tf.setBackend('cpu');
  const net = await loadLayersModel(path.join(modelsDir(), 'nsfw', 'mobilenet_v2', 'model.json'));
  const tensors = {};
  for (const name of IMAGES) {
    const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', `${name}.png`));
    const x = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'), [224, 224], true)
      .toFloat().div(255).expandDims(0));
    const p = await net.predict(x).data();
    if (name === 'astronaut') tensors.input = { shape: [1, 224, 224, 3], data: await x.data() };
    tensors[`probs_${name}`] = { shape: [5], data: p };
    console.log(name, Array.from(p).map((v) => v.toFixed(4)).join(' '));
  }
  writeGolden(path.join(repoRoot(), 'tests', 'golden', 'vision', 'nsfw_mobilenet_v2.safetensors'), tensors,
    VERSION, 'tools/reference/tfjs_nsfw.mjs', { model: 'nsfwjs@4.4.0 mobilenet_v2', classes: 'Drawing,Hentai,Neutral,Porn,Sexy', tfjs: tf.version.tfjs });
}

main().catch((e) => { console.error(e); process.exit(1); });
