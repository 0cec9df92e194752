// "Your data" (P2, P7): export everything as a zip, opt in or out of training use, restrict
// processing, withdraw consent, delete all content or the whole session/account.
import { api, describeError } from './api.js';
import { $, busy, say } from './dom.js';
import { forgetImages } from './image_card.js';
import { emit, isAccount, state } from './state.js';

export async function loadPrivacy() {
  const signedIn = state.session.signed_in;
  $('privacy-controls').hidden = !signedIn;
  $('privacy-none').hidden = signedIn;
  $('delete-all').textContent = isAccount()
    ? 'Delete my account and all its data' : 'Delete my session and all its data';
  if (!signedIn) return;
  try {
    const me = await api('GET', '/api/v1/me');
    $('training-use').checked = Boolean(me.training_use);
    $('restricted').checked = Boolean(me.restricted);
  } catch (e) {
    say('privacy-message', describeError(e), 'error');
  }
}

async function toggle(box, path, field, onText, offText) {
  const value = box.checked;
  box.disabled = true;
  try {
    await api('PUT', path, { [field]: value });
    say('privacy-message', value ? onText : offText);
  } catch (e) {
    box.checked = !value;
    say('privacy-message', describeError(e), 'error');
  } finally {
    box.disabled = false;
  }
}

async function withdraw() {
  try {
    await api('DELETE', '/api/v1/consent');
    say('privacy-message', 'Consent withdrawn. Nothing new is processed until you agree again.');
    emit('session', { view: 'consent' });
  } catch (e) {
    say('privacy-message', describeError(e), 'error');
  }
}

async function deleteContent() {
  if (!window.confirm('Delete all your images and jobs? Your session or account stays.')) return;
  await busy($('delete-content'), async () => {
    try {
      const r = await api('DELETE', '/api/v1/content');
      forgetImages();
      say('privacy-message', `Deleted ${r.deleted_items} item${r.deleted_items === 1 ? '' : 's'}.`);
      emit('gallery');
    } catch (e) {
      say('privacy-message', describeError(e), 'error');
    }
  });
}

async function deleteEverything() {
  const what = isAccount() ? 'your account' : 'this session';
  if (!window.confirm(`Delete ${what} and everything held about it? This cannot be undone.`)) return;
  await busy($('delete-all'), async () => {
    try {
      await api('DELETE', '/api/v1/me');
      forgetImages();
      emit('session', { message: 'Deleted. Your data and its encryption key are gone.', view: 'consent' });
    } catch (e) {
      say('privacy-message', describeError(e), 'error');
    }
  });
}

export function initPrivacy() {
  $('training-use').addEventListener('change', () => toggle($('training-use'), '/api/v1/me/training', 'training_use',
    'Your prompts and images may now be used to improve models. Untick to stop at any time.',
    'Your prompts and images are not used for training.'));
  $('restricted').addEventListener('change', () => toggle($('restricted'), '/api/v1/me/restrict', 'restricted',
    'Processing restricted: nothing new is generated until you lift it. Your data stays available.',
    'Processing is no longer restricted.'));
  $('withdraw').addEventListener('click', withdraw);
  $('delete-content').addEventListener('click', deleteContent);
  $('delete-all').addEventListener('click', deleteEverything);
}
