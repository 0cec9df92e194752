// One generated image as a card: the picture, its generation parameters (read from the PNG),
// download, "reuse these settings", the public-showcase opt-in (P11) and delete.
import { ApiError, api, apiBlob, describeError } from './api.js';
import { el, formatTime } from './dom.js';
import { parseInfotext, pngText } from './infotext.js';
import { emit, state } from './state.js';

// Loaded images by id, so switching views does not download everything again. Blob URLs are
// revoked when the image is deleted or the session ends.
const loaded = new Map();

export function forgetImages() {
  for (const entry of loaded.values()) URL.revokeObjectURL(entry.url);
  loaded.clear();
}

async function load(image) {
  if (!loaded.has(image.id)) {
    const blob = await apiBlob(image.url);
    const text = await pngText(await blob.arrayBuffer());
    loaded.set(image.id, {
      url: URL.createObjectURL(blob),
      parameters: text.parameters ?? null,
    });
  }
  return loaded.get(image.id);
}

function forget(id) {
  const entry = loaded.get(id);
  if (entry) URL.revokeObjectURL(entry.url);
  loaded.delete(id);
}

// The same image may be shown both as a fresh result and in the gallery.
function removeEverywhere(id) {
  for (const node of document.querySelectorAll('figure[data-image-id]')) {
    if (node.dataset.imageId === id) node.remove();
  }
}

function parametersView(parameters) {
  if (!parameters) {
    return el('p', { className: 'muted' }, 'No generation parameters are stored in this image.');
  }
  const info = parseInfotext(parameters);
  const dl = el('dl', { className: 'params' });
  const row = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v));
  row('Prompt', info.prompt);
  if (info.negative_prompt) row('Negative prompt', info.negative_prompt);
  for (const [k, v] of Object.entries(info.settings)) row(k, v);
  return el('details', { className: 'parameters' }, el('summary', {}, 'Parameters'), dl);
}

function showcaseToggle(image, message) {
  if (!state.policy?.rights?.showcase_opt_in) return null;
  const box = el('input', { type: 'checkbox', className: 'showcase-toggle', checked: Boolean(image.showcase) });
  box.addEventListener('change', async () => {
    const on = box.checked;
    box.disabled = true;
    try {
      await api(on ? 'POST' : 'DELETE', `/api/v1/images/${encodeURIComponent(image.id)}/showcase`);
      image.showcase = on;
      message(on ? 'Shown in the public showcase (pixels only: no prompt, no name). Untick to remove it.'
                 : 'Removed from the public showcase.');
    } catch (e) {
      box.checked = !on;
      message(describeError(e), true);
    } finally {
      box.disabled = false;
    }
  });
  return el('label', { className: 'inline' }, box, ' Show in public showcase');
}

// `image`: {id, url, created_ms?, showcase?}. `onDeleted(figure)` runs after the server
// deleted it; `onParameters(info)` once the image's parameters are read.
export function imageCard(image, { onDeleted, onParameters } = {}) {
  const img = el('img', { alt: 'Generated image' });
  const status = el('p', { className: 'card-message', role: 'status', hidden: true });
  const message = (text, isError = false) => {
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle('error', isError);
  };
  const download = el('a', { className: 'button-link', download: `${image.id}.png`, href: image.url }, 'Download');
  const reuse = el('button', { type: 'button', className: 'secondary reuse', disabled: true }, 'Reuse settings');
  const del = el('button', { type: 'button', className: 'secondary delete-image', title: 'Delete this image' }, 'Delete');
  const details = el('div', { className: 'card-details' });
  const fig = el('figure', { dataset: { imageId: image.id } }, img,
                 el('figcaption', {}, el('div', { className: 'card-actions' }, download, reuse, del),
                    showcaseToggle(image, message), details, status));
  if (image.created_ms) details.append(el('p', { className: 'muted' }, formatTime(image.created_ms)));

  del.addEventListener('click', async () => {
    if (!window.confirm('Delete this image? This cannot be undone.')) return;
    del.disabled = true;
    try {
      await api('DELETE', `/api/v1/images/${encodeURIComponent(image.id)}`);
      forget(image.id);
      removeEverywhere(image.id);
      onDeleted?.(fig);
    } catch (e) {
      del.disabled = false;
      // Already gone (deleted elsewhere or by retention): drop the card all the same.
      if (e instanceof ApiError && e.status === 404) {
        removeEverywhere(image.id);
        onDeleted?.(fig);
      } else {
        message(describeError(e), true);
      }
    }
  });

  load(image).then((entry) => {
    img.src = entry.url;
    download.href = entry.url;
    details.append(parametersView(entry.parameters));
    if (entry.parameters) {
      reuse.disabled = false;
      const info = parseInfotext(entry.parameters);
      reuse.addEventListener('click', () => emit('reuse', info));
      onParameters?.(info);
    }
  }).catch((e) => message(describeError(e), true));
  return fig;
}
