// The checkpoint generation tests run on: random weights in a real layout (SD 1.5 UNet, VAE and
// CLIP text encoder by default), written once by pixforge-make-test-model and reused by every
// test file. PIXFORGE_E2E_LAYOUTS (colon-separated layout files) picks another layout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function testModel() {
  const tool = process.env.PIXFORGE_MAKE_TEST_MODEL;
  if (!tool || !fs.existsSync(tool))
    throw new Error('PIXFORGE_MAKE_TEST_MODEL must name the built pixforge-make-test-model tool');
  const layouts = (process.env.PIXFORGE_E2E_LAYOUTS ||
    ['sd15_unet.json', 'sd15_vae.json', 'sd15_clip.json'].map((f) => path.join(repo, 'tests/golden/layouts', f)).join(':')).split(':');
  for (const l of layouts) if (!fs.existsSync(l)) throw new Error(`layout file ${l} does not exist`);
  const root = path.join(process.env.PIXFORGE_E2E_WORK || '/tmp', 'models');
  fs.mkdirSync(root, { recursive: true });
  const name = layouts.map((l) => path.basename(l, '.json')).join('+');
  const out = path.join(root, `${name}.f16.safetensors`);
  // Rebuild when a layout changed after the file was written.
  const newest = Math.max(...layouts.map((l) => fs.statSync(l).mtimeMs));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest) return out;
  // Written beside and renamed, so a parallel test file never reads half a checkpoint.
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(tool, [tmp, 'f16', ...layouts], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.renameSync(tmp, out);
  return out;
}
