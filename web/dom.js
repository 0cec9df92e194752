// DOM helpers. Everything is built with textContent and properties (never innerHTML), so
// nothing a user typed or the server returned can become markup.

export const $ = (id) => document.getElementById(id);

// el('button', {type: 'button', className: 'x', onclick: f}, 'text', child, ...)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Sets a status or alert line; an empty text hides it.
export function say(id, text, kind = '') {
  const node = $(id);
  node.textContent = text || '';
  node.hidden = !text;
  node.classList.toggle('error', kind === 'error');
  node.classList.toggle('notice', kind === 'notice');
}

export function formatTime(ms) {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// Runs `work` with `button` disabled, so a double click does not send twice.
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}
