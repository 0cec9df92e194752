// Accounts (optional, P4): sign up with a username, an optional e-mail address and a password,
// confirming age (P10) and agreeing to the notice (P1); log in (throttled by the server after
// repeated failures); log out.
import { api, describeError, setCsrfToken } from './api.js';
import { $, busy, say } from './dom.js';
import { forgetImages } from './image_card.js';
import { loadKeys } from './keys.js';
import { emit, isAccount, state } from './state.js';

export function loadAccount() {
  const account = isAccount();
  $('account-signed-out').hidden = account;
  $('account-signed-in').hidden = !account;
  $('signup-notice-version').textContent = state.policy?.notice?.version ?? '';
  if (account) {
    $('account-name').textContent = state.session.username ?? '';
    $('account-role').textContent = state.session.role ?? 'user';
    loadKeys();
  }
  // An anonymous session's images stay with that session (they are not moved into an account).
  $('signup-anonymous-note').hidden = !(state.session.signed_in && state.session.kind === 'session');
}

// The server names the field it refused; put the message next to that field.
function fieldError(prefix, e) {
  const input = e.field ? $(`${prefix}-${e.field.replace(/_/g, '-')}`) : null;
  if (input) input.focus();
  say(`${prefix}-message`, describeError(e), 'error');
}

async function signUp(ev) {
  ev.preventDefault();
  say('signup-message', '');
  if (!$('signup-age-confirmed').checked) {
    say('signup-message', 'Please confirm that you are at least 13 years old.', 'error');
    return;
  }
  if (!$('signup-agree').checked) {
    say('signup-message', 'Please agree to the processing notice to create an account.', 'error');
    return;
  }
  await busy($('signup-button'), async () => {
    try {
      const r = await api('POST', '/api/v1/account', {
        username: $('signup-username').value.trim(),
        email: $('signup-email').value.trim() || undefined,
        password: $('signup-password').value,
        age_confirmed: true,
        agree: true,
        notice_version: state.policy.notice.version,
      });
      setCsrfToken(r.csrf_token);
      $('signup-form').reset();
      forgetImages();
      emit('session', { message: `Welcome, ${r.username}. Your account is ready.`, view: 'generate' });
    } catch (e) {
      fieldError('signup', e);
    }
  });
}

async function logIn(ev) {
  ev.preventDefault();
  say('login-message', '');
  await busy($('login-button'), async () => {
    try {
      const r = await api('POST', '/api/v1/login', {
        username: $('login-username').value.trim(),
        password: $('login-password').value,
      });
      setCsrfToken(r.csrf_token);
      $('login-form').reset();
      forgetImages();
      emit('session', { message: `Signed in as ${r.username}.`, view: 'generate' });
    } catch (e) {
      $('login-password').value = '';
      fieldError('login', e);
    }
  });
}

async function logOut() {
  try {
    await api('POST', '/api/v1/logout', {});
  } catch (e) {
    say('account-message', describeError(e), 'error');
    return;
  }
  setCsrfToken(null);
  forgetImages();
  emit('session', { message: 'Signed out.', view: 'consent' });
}

export function initAccount() {
  $('signup-form').addEventListener('submit', signUp);
  $('login-form').addEventListener('submit', logIn);
  $('logout').addEventListener('click', logOut);
}
