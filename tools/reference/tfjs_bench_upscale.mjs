// TF.js (wasm backend, the package's own binary) timing of the same x4 upscale as
// bench/bench_vision.cpp's BM_Upscale4x_512: the 512x512 astronaut through each model, one
// warm-up run on a 64x64 crop first. Usage: node tools/reference/tfjs_bench_upscale.mjs [slim|medium|thick]...
import path from 'node:path';
import { createRequire } from 'node:module';
import { tf, loadLayersModel, readPng, repoRoot, modelsDir } from './tfjs_common.mjs';

const require = createRequire(path.join(repoRoot(), 'tools', 'reference', 'tfjs_node', 'package.json'));
const wasm = require('@tensorflow/tfjs-backend-wasm');

async function main() {
  const models = process.argv.slice(2).length ? process.argv.slice(2) : ['slim', 'medium', 'thick'];
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  await tf.setBackend('wasm');
  const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', 'astronaut.png'));
  for (const m of models) {
    const net = await loadLayersModel(path.join(modelsDir(), 'upscaler', m, 'x4', 'model.json'));
    const range = m === 'thick' ? 1 / 255 : 1;
    const x = tf.tensor4d(Float32Array.from(img.data, (v) => v * range), [1, img.height, img.width, 3]);
    tf.tidy(() => net.predict(tf.slice(x, [0, 0, 0, 0], [1, 64, 64, 3])).dataSync());
    const t0 = process.hrtime.bigint();
    const y = net.predict(x);
    await y.data();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`tfjs-wasm ${m} x4 512x512: ${s.toFixed(2)} s (threads: ${wasm.getThreadsCount?.() ?? '?'})`);
    tf.dispose([x, y]);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
