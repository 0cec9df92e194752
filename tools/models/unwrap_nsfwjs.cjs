// Unwraps nsfwjs's browserify model modules into a plain TF.js model folder.
// require() of model.min.js returns the model.json object; require() of a shard module
// returns the shard's bytes as a base64 string. Usage:
//   node unwrap_nsfwjs.cjs <nsfwjs dist/models/NAME dir> <output dir>
'use strict';
const fs = require('fs');
const path = require('path');

function main() {
  const [src, out] = process.argv.slice(2);
  if (!src || !out) {
    console.error('usage: node unwrap_nsfwjs.cjs <module dir> <output dir>');
    process.exit(2);
  }
  const modelModule = path.resolve(src, 'model.min.js');
  if (!fs.existsSync(modelModule)) {
    console.error(`unwrap_nsfwjs: missing ${modelModule}`);
    process.exit(1);
  }
  const model = require(modelModule);
  if (!model || typeof model !== 'object' || !Array.isArray(model.weightsManifest)) {
    console.error(`unwrap_nsfwjs: ${modelModule} did not yield a TF.js model.json`);
    process.exit(1);
  }
  fs.mkdirSync(out, { recursive: true });
  for (const group of model.weightsManifest) {
    for (const shard of group.paths) {
      // Shard "group1-shard1of2" lives in module "group1-shard1of2.min.js".
      const name = path.basename(shard).replace(/\.bin$/, '');
      const shardModule = path.resolve(src, `${name}.min.js`);
      const b64 = require(shardModule);
      if (typeof b64 !== 'string') {
        console.error(`unwrap_nsfwjs: ${shardModule} did not yield a base64 string`);
        process.exit(1);
      }
      fs.writeFileSync(path.join(out, path.basename(shard)), Buffer.from(b64, 'base64'));
    }
  }
  fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(model));
}

main();
