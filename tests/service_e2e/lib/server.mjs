// Starts the real `pixforge serve` binary on an ephemeral loopback port with a fresh data
// directory, waits until it answers, and always stops it again (even when a test fails or the
// test process is interrupted). Tests drive it from outside over HTTP, as users' tools do.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const live = new Set();  // every server still running, killed on exit whatever happens

function killAll() {
  for (const s of live) {
    try {
      s.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

export function pixforgeBin() {
  const bin = process.env.PIXFORGE_BIN;
  if (!bin) throw new Error('PIXFORGE_BIN is not set (ctest sets it to the built pixforge binary)');
  if (!fs.existsSync(bin)) throw new Error(`PIXFORGE_BIN ${bin} does not exist: build the pixforge target`);
  return bin;
}

// A scratch directory for one test file, under the build dir when ctest runs us.
export function workDir(name) {
  const root = process.env.PIXFORGE_E2E_WORK || os.tmpdir();
  fs.mkdirSync(root, { recursive: true });
  return fs.mkdtempSync(path.join(root, `${name}-`));
}

// A TOML document from a plain object of tables ({server: {...}, limits: {...}}).
export function toToml(config) {
  const value = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  let out = '';
  for (const [table, entries] of Object.entries(config)) {
    out += `[${table}]\n`;
    for (const [k, v] of Object.entries(entries)) out += `${k} = ${value(v)}\n`;
    out += '\n';
  }
  return out;
}

// Limits high enough that a test's own traffic never trips the rate limiter; tests of the
// limiter itself override them.
export const generousLimits = {
  ip_rate_per_s: 100000,
  ip_burst: 100000,
  key_rate_per_s: 100000,
  key_burst: 100000,
};

function waitForListening(proc, logs, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      reject(new Error(`pixforge serve did not report a port within ${timeoutMs} ms:\n${logs.join('')}`));
    }, timeoutMs);
    const onData = (chunk) => {
      buffer += chunk.toString();
      const m = buffer.match(/listening on (https?):\/\/([^\s:]+):(\d+)/);
      if (m) {
        clearTimeout(timer);
        proc.stderr.off('data', onData);
        resolve({ scheme: m[1], host: m[2], port: Number(m[3]) });
      }
    };
    proc.stderr.on('data', onData);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`pixforge serve exited (code ${code}, signal ${signal}) before listening:\n${logs.join('')}`));
    });
  });
}

async function waitReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/v1/privacy`);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pixforge serve at ${url} not ready within ${timeoutMs} ms (${last})`);
}

// Starts a server. Options: dataDir (reuse one, e.g. after a crash), config (TOML tables),
// model (checkpoint path for generation), env (extra environment).
export async function startServer({ name = 'serve', dataDir, config = {}, model, env = {}, startTimeoutMs = 180000 } = {}) {
  const dir = dataDir ? path.dirname(dataDir) : workDir(name);
  const data = dataDir || path.join(dir, 'data');
  const merged = { ...config, server: { sweep_interval_s: 3600, ...(config.server || {}) } };
  merged.limits = { ...generousLimits, ...(config.limits || {}) };
  const configPath = path.join(dir, `pixforge-${Date.now()}.toml`);
  fs.writeFileSync(configPath, toToml(merged));
  const args = ['serve', '--config', configPath, '--data-dir', data, '--listen', '127.0.0.1', '--port', '0'];
  if (model) args.push('--model', model);
  const logPath = path.join(dir, 'server.log');
  const logFile = fs.openSync(logPath, 'a');
  const logs = [];
  const proc = spawn(pixforgeBin(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const record = (chunk) => {
    logs.push(chunk.toString());
    if (logs.length > 400) logs.shift();
    fs.writeSync(logFile, chunk);
  };
  proc.stdout.on('data', record);
  proc.stderr.on('data', record);
  const server = {
    proc,
    dataDir: data,
    workDir: dir,
    logPath,
    logs,
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  live.add(server);
  server.exited.then(() => {
    live.delete(server);
    fs.closeSync(logFile);
  });
  try {
    const where = await waitForListening(proc, logs, startTimeoutMs);
    server.port = where.port;
    server.url = `${where.scheme}://127.0.0.1:${where.port}`;
    await waitReady(server.url, 30000);
  } catch (e) {
    proc.kill('SIGKILL');
    await server.exited;
    throw e;
  }
  // Graceful stop: SIGTERM, then SIGKILL if it does not exit in time. Returns the exit status.
  server.stop = async (graceMs = 30000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return server.exited;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const status = await server.exited;
    clearTimeout(timer);
    return status;
  };
  // A crash: SIGKILL, no chance to clean up.
  server.kill9 = async () => {
    proc.kill('SIGKILL');
    return server.exited;
  };
  return server;
}
