// Reference runs of nsfwjs 4.4.0's classifiers (TF.js CPU backend) on the shared photos,
// preprocessed as nsfwjs does (bilinear resize with aligned corners to 224x224, 299x299 for
// InceptionV3, x/255):
//   mobilenet_v2      (layers-model, uint8) -> tests/golden/vision/nsfw_mobilenet_v2.safetensors
//   mobilenet_v2_mid  (graph-model)         -> tests/golden/vision/nsfw_mobilenet_v2_mid.safetensors
//   inception_v3      (layers-model)        -> tests/golden/vision/nsfw_inception_v3.safetensors
// Each holds the astronaut's preprocessed input (F32 for MobileNetV2, as first written; F16 for
// the others, and those networks ran on exactly the rounded values) and the probabilities of
// all three photos (Drawing, Hentai, Neutral, Porn, Sexy).
import path from 'node:path';
import { tf, loadLayersModel, loadGraphModel, readPng, writeGolden, repoRoot, modelsDir, roundHalf } from './tfjs_common.mjs';

const IMAGES = ['astronaut', 'coffee', 'chelsea'];
const MODELS = [
  { name: 'mobilenet_v2', size: 224, graph: false, version: 1, half: false },
  { name: 'mobilenet_v2_mid', size: 224, graph: true, version: 1, half: true },
  { name: 'inception_v3', size: 299, graph: false, version: 1, half: true },
];

async function main() {
  await tf.setBackend('cpu');
  const only = process.argv[2];
  for (const m of MODELS.filter((x) => !only || x.name === only)) {
    const file = path.join(modelsDir(), 'nsfw', m.name, 'model.json');
    const net = m.graph ? await loadGraphModel(file) : await loadLayersModel(file);
    const tensors = {};
    for (const name of IMAGES) {
      const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', `${name}.png`));
      let x = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'), [m.size, m.size], true)
        .toFloat().div(255).expandDims(0));
      if (m.half) x = tf.tensor4d(roundHalf(await x.data()), x.shape);
      const p = await (m.graph ? net.execute(x) : net.predict(x)).data();
      if (name === 'astronaut') {
        tensors.input = { shape: [1, m.size, m.size, 3], data: await x.data(), dtype: m.half ? 'F16' : 'F32' };
      }
      tensors[`probs_${name}`] = { shape: [5], data: p };
      console.log(m.name, name, Array.from(p).map((v) => v.toFixed(4)).join(' '));
    }
    writeGolden(path.join(repoRoot(), 'tests', 'golden', 'vision', `nsfw_${m.name}.safetensors`), tensors,
      m.version, 'tools/reference/tfjs_nsfw.mjs', { model: `nsfwjs@4.4.0 ${m.name}`, classes: 'Drawing,Hentai,Neutral,Porn,Sexy', tfjs: tf.version.tfjs });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
