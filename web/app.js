// Pixforge web UI: plain ES modules, same-origin only (the CSP forbids inline script). This
// module starts the page, switches views and keeps the session in step with the server.
import { initAccount, loadAccount } from './account.js';
import { api, describeError, setCsrfToken } from './api.js';
import { initConsent, renderConsent } from './consent.js';
import { $, say } from './dom.js';
import { loadGallery } from './gallery.js';
import { applyOptions, initGenerate } from './generate.js';
import { initKeys } from './keys.js';
import { initModeration, loadModeration } from './moderation.js';
import { initPrivacy, loadPrivacy } from './privacy.js';
import { isAccount, isModerator, on, state } from './state.js';

const VIEWS = ['consent', 'generate', 'gallery', 'account', 'privacy', 'moderation'];
// Views that need no consent: reading about one's data, and signing in to an account that
// already agreed.
const OPEN_VIEWS = new Set(['consent', 'account', 'privacy']);
const LOADERS = { gallery: loadGallery, account: loadAccount, privacy: loadPrivacy, moderation: loadModeration };
let current = null;

function show(view) {
  if (!OPEN_VIEWS.has(view) && !state.session.consent) view = 'consent';
  if (view === 'moderation' && !isModerator()) view = 'generate';
  current = view;
  say('page-message', '');
  for (const id of VIEWS) $(id).hidden = id !== view;
  for (const b of document.querySelectorAll('nav button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  if (view === 'consent') renderConsent();
  LOADERS[view]?.();
}

function renderWho() {
  const s = state.session;
  $('who').textContent = isAccount() ? `Signed in as ${s.username}` : s.signed_in ? 'Anonymous session' : '';
  $('nav-moderation').hidden = !(isModerator() && state.policy?.safety);
}

// Re-reads the session (after consent, sign-in, sign-out, deletion) and shows the right view.
async function refreshSession(detail = {}) {
  try {
    state.session = await api('GET', '/api/v1/session');
  } catch (e) {
    say('page-message', describeError(e), 'error');
    return;
  }
  setCsrfToken(state.session.csrf_token);
  renderWho();
  if (detail.view) show(detail.view);
  else if (!state.session.consent) show(current === 'account' || current === 'privacy' ? current : 'consent');
  else show(current && current !== 'consent' ? current : 'generate');
  say('page-message', detail.message ?? '');
}

async function loadOptions() {
  try {
    state.options = await api('GET', '/api/v1/generation-options');
    applyOptions(state.options);
  } catch (e) {
    say('page-message', describeError(e), 'error');
  }
}

async function start() {
  try {
    state.policy = await api('GET', '/api/v1/privacy');
  } catch (e) {
    say('page-message', describeError(e), 'error');
    return;
  }
  for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
  for (const link of document.querySelectorAll('[data-goto]')) {
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      show(link.dataset.goto);
    });
  }
  initConsent();
  initGenerate();
  initAccount();
  initKeys();
  initPrivacy();
  initModeration();
  on('session', (detail) => refreshSession(detail ?? {}));
  on('show', (view) => show(view));
  on('gallery', () => { if (current === 'gallery') loadGallery(); });
  await loadOptions();
  await refreshSession();
}

start();
