// Walks a data directory and reports every file holding any of the given byte patterns in
// plaintext (P5): the SQLite database with its -wal/-shm files, blobs, temp files, keys, all.
import fs from 'node:fs';
import path from 'node:path';

export function listFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

// patterns: {name: Buffer}. Text patterns are also looked for as UTF-16LE, the other encoding
// SQLite may store text in.
export function findPlaintext(dir, patterns) {
  const needles = [];
  for (const [name, value] of Object.entries(patterns)) {
    const buf = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
    needles.push([name, buf]);
    if (!Buffer.isBuffer(value)) needles.push([`${name} (utf-16le)`, Buffer.from(value, 'utf16le')]);
  }
  const hits = [];
  for (const file of listFiles(dir)) {
    const data = fs.readFileSync(file);
    for (const [name, needle] of needles) if (data.includes(needle)) hits.push(`${name} in ${path.relative(dir, file)}`);
  }
  return hits;
}
