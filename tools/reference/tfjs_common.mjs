// Shared helpers for the TF.js reference scripts (tools/reference/tfjs_*.mjs): loading a
// model folder from disk without a network handler, reading 8-bit PNGs with node's zlib, and
// writing goldens in the format of golden.py (tests/testing/golden.h reads them).
// Run from tools/reference/tfjs_node after `npm install` there (TF.js CPU + wasm backends).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(path.join(path.dirname(new URL(import.meta.url).pathname), 'tfjs_node', 'package.json'));
export const tf = require('@tensorflow/tfjs');

// esrgan-thick's custom layers, defined from their documented behaviour: MultiplyBeta scales
// by beta (0.2); PixelShuffle{N}x is depth-to-space (NHWC).
class MultiplyBeta extends tf.layers.Layer {
  static className = 'MultiplyBeta';
  constructor(config) { super(config); this.beta = config.beta ?? 0.2; }
  call(inputs) { return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.beta)); }
  getConfig() { return { ...super.getConfig(), beta: this.beta }; }
}
tf.serialization.registerClass(MultiplyBeta);
for (const n of [2, 3, 4, 8]) {
  const cls = class extends tf.layers.Layer {
    constructor(config) { super(config); this.scale = config.scale ?? n; }
    computeOutputShape(s) {
      return [s[0], s[1] === null ? null : s[1] * this.scale, s[2] === null ? null : s[2] * this.scale,
              s[3] / (this.scale * this.scale)];
    }
    call(inputs) { return tf.depthToSpace(Array.isArray(inputs) ? inputs[0] : inputs, this.scale, 'NHWC'); }
    getConfig() { return { ...super.getConfig(), scale: this.scale }; }
  };
  Object.defineProperty(cls, 'className', { value: `PixelShuffle${n}x` });
  tf.serialization.registerClass(cls);
}

function readModelArtifacts(modelJsonPath) {
  const dir = path.dirname(modelJsonPath);
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
  const specs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

export async function loadLayersModel(modelJsonPath) {
  return tf.loadLayersModel(tf.io.fromMemory(readModelArtifacts(modelJsonPath)));
}

export async function loadGraphModel(modelJsonPath) {
  return tf.loadGraphModel(tf.io.fromMemory(readModelArtifacts(modelJsonPath)));
}

// 8-bit RGB/RGBA, non-interlaced PNG -> {width, height, data: Uint8Array RGB}.
export function readPng(file) {
  const buf = fs.readFileSync(file);
  let pos = 8, width = 0, height = 0, colorType = 0, bitDepth = 0, interlace = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      bitDepth = data[8]; colorType = data[9]; interlace = data[12];
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
    throw new Error(`${file}: only 8-bit RGB/RGBA non-interlaced PNGs are supported`);
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const img = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? img[y * stride + x - bpp] : 0;
      const b = y > 0 ? img[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? img[(y - 1) * stride + x - bpp] : 0;
      let p = 0;
      if (f === 1) p = a; else if (f === 2) p = b; else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      img[y * stride + x] = (v + p) & 255;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = img[i * bpp + k];
  return { width, height, data: rgb };
}

// IEEE half precision (round to nearest even) of one float; used to keep big inputs small.
export function toHalfBits(v) {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function fromHalfBits(h) {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// Values rounded to float16 (what a golden stored as F16 reads back as).
export function roundHalf(data) {
  return Float32Array.from(data, (v) => fromHalfBits(toHalfBits(v)));
}

// tensors: {name: {shape, data: Float32Array, dtype?: 'F32' | 'F16'}}; same layout as
// golden.py's write_golden.
export function writeGolden(file, tensors, version, script, metadata = {}) {
  const header = {};
  const blobs = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = t.dtype ?? 'F32';
    const bytes = dtype === 'F16' ? Buffer.from(Uint16Array.from(t.data, toHalfBits).buffer)
      : Buffer.from(new Float32Array(t.data).buffer);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  const meta = { format: 'pixforge-golden', version: String(version), script };
  for (const [k, v] of Object.entries(metadata)) meta[k] = String(v);
  header.__metadata__ = meta;
  let head = Buffer.from(JSON.stringify(header));
  const pad = (8 - (head.length % 8)) % 8;
  head = Buffer.concat([head, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.length));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([len, head, ...blobs]));
}

export function repoRoot() {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
}

export function modelsDir() {
  return process.env.PIXFORGE_MODELS || path.join(repoRoot(), 'models');
}
