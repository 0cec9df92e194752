// Starts `pixforge serve` on an ephemeral loopback port with a fresh data directory and
// resolves with its base URL once it listens. Shared by the node tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startServer(binary) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pixforge-node-'));
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dataDir, 'data')],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  const base = await new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 30000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
  const stop = async () => {
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, stop };
}

// Exit code 77 tells ctest the test was skipped (SKIP_RETURN_CODE), with the reason printed.
export function skip(reason) {
  console.log(`SKIPPED: ${reason}`);
  process.exit(77);
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

// A valid w x h grey RGB PNG, built here so the tests need no image files.
export async function makePng(w, h) {
  const zlib = await import('node:zlib');
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;  // bit depth
  ihdr[9] = 2;  // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h, 120);
  for (let y = 0; y < h; ++y) raw[y * (w * 3 + 1)] = 0;  // filter type none
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
                        chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
