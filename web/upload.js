// The img2img source: a PNG, JPEG or WebP file chosen by the user, checked here for type and
// size so the common mistakes get an answer before upload, shown as a thumbnail, and sent as a
// data: URL in the JSON body with the denoising strength. The server decodes and re-encodes it
// (no EXIF/GPS survives, P4) and is the judge of what it accepts.
import { $, say } from './dom.js';
import { state } from './state.js';

const TYPES = ['image/png', 'image/jpeg', 'image/webp'];
let source = null;  // {dataUrl, name}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function clear() {
  source = null;
  $('init-image').value = '';
  $('init-preview').hidden = true;
  $('init-preview').removeAttribute('src');
  $('init-clear').hidden = true;
  $('strength-row').hidden = true;
}

async function chosen() {
  say('upload-message', '');
  const file = $('init-image').files[0];
  if (!file) {
    clear();
    return;
  }
  if (!TYPES.includes(file.type)) {
    clear();
    say('upload-message', 'Choose a PNG, JPEG or WebP image.', 'error');
    return;
  }
  // base64 grows the file by a third; the whole request must fit the server's body limit.
  const maxBody = state.options?.limits?.max_body_bytes ?? Infinity;
  if (file.size * 4 / 3 + 65536 > maxBody) {
    clear();
    say('upload-message', `The image is too large to upload (at most about ${Math.floor(maxBody * 3 / 4 / 1048576)} MB).`, 'error');
    return;
  }
  try {
    source = { dataUrl: await readAsDataUrl(file), name: file.name };
  } catch {
    clear();
    say('upload-message', 'The file could not be read.', 'error');
    return;
  }
  $('init-preview').src = source.dataUrl;
  $('init-preview').hidden = false;
  $('init-clear').hidden = false;
  $('strength-row').hidden = false;
}

// The img2img fields of the generate request ({} for txt2img).
export function uploadBody() {
  if (!source) return {};
  return { init_image: source.dataUrl, strength: Number($('strength').value) };
}

export function initUpload() {
  $('init-image').addEventListener('change', chosen);
  $('init-clear').addEventListener('click', clear);
  $('strength').addEventListener('input', () => { $('strength-value').textContent = $('strength').value; });
}
