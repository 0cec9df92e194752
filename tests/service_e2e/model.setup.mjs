// ctest fixture (service_e2e.model): writes the shared random-weight SD 1.5 checkpoint once,
// before the tests that generate images.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

import { testModel } from './lib/model.mjs';

test('the synthetic SD 1.5 checkpoint exists', { timeout: 900000 }, () => {
  const file = testModel();
  assert.ok(fs.statSync(file).size > 1e6, file);
});
