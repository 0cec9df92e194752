// Generation parameters of an output, read from the image itself: the service writes A1111's
// `parameters` PNG text chunk into every output (unless the operator turned it off), so the
// gallery shows and reuses exactly what the image was made with. Pure functions, no DOM.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// {keyword: text} of a PNG's tEXt, zTXt and iTXt chunks; {} for anything that is not a
// well-formed PNG (a damaged file shows "no parameters", never an exception).
export async function pngText(buffer) {
  const bytes = new Uint8Array(buffer);
  const out = {};
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  for (let o = 8; o + 12 <= bytes.length;) {
    const len = view.getUint32(o);
    const type = latin1.decode(bytes.subarray(o + 4, o + 8));
    if (o + 12 + len > bytes.length) break;
    const data = bytes.subarray(o + 8, o + 8 + len);
    const z = data.indexOf(0);
    try {
      if (type === 'IEND') break;
      if (z > 0 && type === 'tEXt') out[latin1.decode(data.subarray(0, z))] = latin1.decode(data.subarray(z + 1));
      if (z > 0 && type === 'zTXt') out[latin1.decode(data.subarray(0, z))] = latin1.decode(await inflate(data.subarray(z + 2)));
      if (z > 0 && type === 'iTXt') {
        // keyword \0 compressed method language \0 translated keyword \0 text
        const language = data.indexOf(0, z + 3);
        const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
        if (translated >= 0) {
          const text = data.subarray(translated + 1);
          out[latin1.decode(data.subarray(0, z))] = utf8.decode(data[z + 1] === 1 ? await inflate(text) : text);
        }
      }
    } catch {
      // A chunk that does not decompress is skipped like an unknown one.
    }
    o += 12 + len;
  }
  return out;
}

// "Steps: 20, Sampler: Euler a, Seed: 42, Note: \"a, b\"" -> [[key, value], ...]
const PARAM = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

function settingsOf(line) {
  const pairs = [];
  for (const m of line.matchAll(PARAM)) {
    let value = m[2].trim();
    if (value.startsWith('"') && value.endsWith('"')) {
      try {
        value = JSON.parse(value);
      } catch {
        value = value.slice(1, -1);
      }
    }
    pairs.push([m[1].trim(), value]);
  }
  return pairs;
}

// A1111's infotext: prompt lines, "Negative prompt: ..." lines, and a last line of settings.
// Returns {prompt, negative_prompt, settings: {key: value}} (settings as written, strings).
export function parseInfotext(text) {
  const lines = String(text).trim().split('\n');
  let settings = [];
  if (lines.length > 0 && settingsOf(lines[lines.length - 1]).length >= 3) settings = settingsOf(lines.pop());
  let prompt = '';
  let negative = null;
  for (const line of lines) {
    if (negative === null && line.startsWith('Negative prompt:')) negative = line.slice(16).trim();
    else if (negative !== null) negative += `\n${line}`;
    else prompt += (prompt ? '\n' : '') + line;
  }
  return { prompt, negative_prompt: negative ?? '', settings: Object.fromEntries(settings) };
}
