// API keys (P1, P6): created with the owner's consent to the current notice for the key's
// scope, shown once, listed by id and scope only, revocable; a key whose consent predates the
// current notice is suspended until its owner renews consent here.
import { api, describeError } from './api.js';
import { $, busy, el, formatTime, say } from './dom.js';
import { state } from './state.js';

function keyRow(key) {
  const status = key.revoked ? 'revoked' : key.consent_current ? 'active'
    : 'suspended: the notice changed, renew consent';
  const actions = el('td');
  if (!key.revoked) {
    if (!key.consent_current) {
      actions.append(el('button', { type: 'button', className: 'secondary', onclick: () => renew(key.id) }, 'Renew consent'));
    }
    actions.append(el('button', { type: 'button', className: 'danger revoke-key', onclick: () => revoke(key.id) }, 'Revoke'));
  }
  return el('tr', { dataset: { keyId: key.id } }, el('td', {}, el('code', {}, key.id)), el('td', {}, key.scopes),
            el('td', {}, formatTime(key.created_ms)), el('td', {}, status), actions);
}

export async function loadKeys() {
  try {
    const { keys } = await api('GET', '/api/v1/keys');
    $('keys-body').replaceChildren(...keys.map(keyRow));
    $('keys-table').hidden = keys.length === 0;
    $('keys-none').hidden = keys.length > 0;
  } catch (e) {
    say('keys-message', describeError(e), 'error');
  }
}

async function create(ev) {
  ev.preventDefault();
  say('keys-message', '');
  $('new-key').hidden = true;
  const scopes = [...document.querySelectorAll('input[name="key-scope"]:checked')].map((b) => b.value);
  if (scopes.length === 0) {
    say('keys-message', 'Choose at least one scope for the key.', 'error');
    return;
  }
  if (!$('key-agree').checked) {
    say('keys-message', 'The key processes requests under the notice: agree to it to create a key.', 'error');
    return;
  }
  await busy($('key-create'), async () => {
    try {
      const r = await api('POST', '/api/v1/keys', { scopes, agree: true, notice_version: state.policy.notice.version });
      $('new-key-value').value = r.key;
      $('new-key').hidden = false;
      $('new-key-value').select();
      $('key-agree').checked = false;
      await loadKeys();
    } catch (e) {
      say('keys-message', describeError(e), 'error');
    }
  });
}

async function revoke(id) {
  if (!window.confirm(`Revoke the key ${id}? Programs using it stop working at once.`)) return;
  try {
    await api('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`);
    say('keys-message', `Key ${id} revoked.`);
    await loadKeys();
  } catch (e) {
    say('keys-message', describeError(e), 'error');
  }
}

async function renew(id) {
  if (!window.confirm(`Agree to notice version ${state.policy.notice.version} for the key ${id}?`)) return;
  try {
    await api('POST', `/api/v1/keys/${encodeURIComponent(id)}/consent`,
              { agree: true, notice_version: state.policy.notice.version });
    say('keys-message', `Consent renewed for key ${id}.`);
    await loadKeys();
  } catch (e) {
    say('keys-message', describeError(e), 'error');
  }
}

export function initKeys() {
  $('key-form').addEventListener('submit', create);
  $('new-key-done').addEventListener('click', () => {
    $('new-key-value').value = '';
    $('new-key').hidden = true;
  });
}
