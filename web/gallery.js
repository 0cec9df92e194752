// The gallery: every image the visitor's session or account holds, newest first, each with
// its parameters, download, reuse, showcase opt-in and delete.
import { api, describeError } from './api.js';
import { $, say } from './dom.js';
import { imageCard } from './image_card.js';
import { state } from './state.js';

// Ids of the visitor's images that are in the public showcase (the list is public; only
// ids are compared, nothing else is read from it).
async function showcasedIds() {
  if (!state.policy?.rights?.showcase_opt_in) return new Set();
  try {
    const { images } = await api('GET', '/api/v1/showcase');
    return new Set(images.map((im) => im.id));
  } catch {
    return new Set();  // the toggles then start unticked; ticking still works
  }
}

function showEmpty(grid) {
  $('gallery-empty').hidden = grid.children.length > 0;
}

export async function loadGallery() {
  say('gallery-message', '');
  let images;
  try {
    ({ images } = await api('GET', '/api/v1/gallery'));
  } catch (e) {
    $('gallery-grid').replaceChildren();
    say('gallery-message', describeError(e), 'error');
    $('gallery-empty').hidden = true;
    return;
  }
  const shown = await showcasedIds();
  const grid = $('gallery-grid');
  const sorted = [...images].sort((a, b) => (b.created_ms ?? 0) - (a.created_ms ?? 0));
  grid.replaceChildren(...sorted.map((im) => imageCard({ ...im, showcase: shown.has(im.id) },
                                                       { onDeleted: () => showEmpty(grid) })));
  showEmpty(grid);
}
