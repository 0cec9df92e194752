// Just enough PNG for the tests: write small RGB/RGBA images (inputs for edits) and read back
// an image's size and text chunks (A1111's `parameters`), with CRCs checked.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// pixel(x, y) returns [r, g, b] or [r, g, b, a] (channels 3 or 4).
export function encodePng(width, height, channels, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  const raw = Buffer.alloc(height * (1 + width * channels));
  let o = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0;  // filter: none
    for (let x = 0; x < width; x++) for (const v of pixel(x, y)) raw[o++] = v;
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// Parses the chunk list; returns {width, height, colorType, text: {keyword: value}, pixel(x, y)}
// (pixel reads 8-bit non-interlaced RGB/RGBA, the formats the server writes).
export function readPng(buf) {
  assert.ok(Buffer.isBuffer(buf) && buf.length > 8 && buf.subarray(0, 8).equals(SIGNATURE), 'not a PNG (bad signature)');
  const out = { text: {} };
  const idat = [];
  let o = 8;
  while (o + 12 <= buf.length) {
    const len = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    assert.ok(o + 12 + len <= buf.length, `PNG chunk ${type} runs past the end`);
    const data = buf.subarray(o + 8, o + 8 + len);
    assert.equal(buf.readUInt32BE(o + 8 + len), crc32(buf.subarray(o + 4, o + 8 + len)), `PNG chunk ${type}: bad CRC`);
    if (type === 'IHDR') {
      out.width = data.readUInt32BE(0);
      out.height = data.readUInt32BE(4);
      out.colorType = data[9];
      out.bitDepth = data[8];
      out.interlace = data[12];
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'tEXt') {
      const z = data.indexOf(0);
      out.text[data.toString('latin1', 0, z)] = data.toString('latin1', z + 1);
    } else if (type === 'iTXt') {
      // keyword\0 flag method \0 language \0 translated \0 text
      const z = data.indexOf(0);
      const compressed = data[z + 1] === 1;
      let p = z + 3;
      p = data.indexOf(0, p) + 1;
      p = data.indexOf(0, p) + 1;
      const body = data.subarray(p);
      out.text[data.toString('latin1', 0, z)] = (compressed ? zlib.inflateSync(body) : body).toString('utf8');
    } else if (type === 'zTXt') {
      const z = data.indexOf(0);
      out.text[data.toString('latin1', 0, z)] = zlib.inflateSync(data.subarray(z + 2)).toString('latin1');
    } else if (type === 'IEND') {
      out.complete = true;
      break;
    }
    o += 12 + len;
  }
  assert.ok(out.complete, 'PNG has no IEND chunk');
  let rows = null;
  out.pixel = (x, y) => {
    rows = rows || unfilter(out, zlib.inflateSync(Buffer.concat(idat)));
    const ch = out.colorType === 6 ? 4 : 3;
    return [...rows[y].subarray(x * ch, x * ch + ch)];
  };
  return out;
}

// Undoes PNG's per-row filters (none, sub, up, average, Paeth) for 8-bit RGB/RGBA.
function unfilter(png, raw) {
  assert.equal(png.bitDepth, 8, 'pixel() reads 8-bit PNGs');
  assert.equal(png.interlace, 0, 'pixel() reads non-interlaced PNGs');
  assert.ok(png.colorType === 2 || png.colorType === 6, `pixel() reads RGB/RGBA, got color type ${png.colorType}`);
  const bpp = png.colorType === 6 ? 4 : 3;
  const stride = png.width * bpp;
  assert.equal(raw.length, png.height * (stride + 1), 'decompressed size matches the header');
  const rows = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < png.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, `unknown PNG filter ${filter}`);
      line[i] = (line[i] + pred) & 0xff;
    }
    rows.push(line);
    prev = line;
  }
  return rows;
}
