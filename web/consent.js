// The consent screen (P1, P10, P12): what is sent, to whom, why and for how long, rendered from
// the live policy; "Agree & Continue" starts a session, "Decline" stores nothing.
import { api, describeError, setCsrfToken } from './api.js';
import { $, say } from './dom.js';
import { emit, state } from './state.js';

export function hours(h) {
  return h >= 48 ? `${Math.round(h / 24)} days` : `${h} hours`;
}

function summaryRows(policy) {
  const r = policy.retention;
  const who = policy.processors.length === 0
    ? 'Only this server. Nothing is sent to anyone else.'
    : policy.processors.map((p) => `${p.name} (${p.data_sent}; ${p.purpose}; ${p.use_limit})`).join('; ');
  return [
    ['What is sent', 'Your prompt, the settings you choose and any image you upload.'],
    ['To whom', who],
    ['Why', 'Only to make the images you ask for. Never for training unless you opt in.'],
    ['How long', `Prompts ${hours(r.prompts_hours_after_result)} after the result; uploads ` +
                 `${hours(r.uploads_hours_after_job_end)} after the job; images ` +
                 `${r.outputs_days_anonymous} days without an account.` +
                 (policy.outputs_embed_parameters
                   ? ' Each image carries its settings, your prompt included, inside the PNG file for as long as the image exists.'
                   : '')],
  ];
}

export function renderConsent() {
  const { policy } = state;
  $('notice-version').textContent = policy.notice.version;
  $('notice-updated').textContent = policy.notice.last_updated;
  const dl = $('consent-summary');
  dl.replaceChildren();
  for (const [term, text] of summaryRows(policy)) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = text;
    dl.append(dt, dd);
  }
}

async function agree() {
  if (!$('age-confirmed').checked) {
    say('consent-message', 'Please confirm that you are at least 13 years old.', 'error');
    return;
  }
  try {
    const r = await api('POST', '/api/v1/consent',
                        { agree: true, age_confirmed: true, notice_version: state.policy.notice.version });
    setCsrfToken(r.csrf_token);
    say('consent-message', '');
    emit('session');
  } catch (e) {
    say('consent-message', describeError(e), 'error');
  }
}

async function decline() {
  try {
    await api('POST', '/api/v1/consent', { agree: false });
    say('consent-message', 'Nothing was stored. You can agree at any time to use Pixforge.');
  } catch (e) {
    say('consent-message', describeError(e), 'error');
  }
}

export function initConsent() {
  $('agree').addEventListener('click', agree);
  $('decline').addEventListener('click', decline);
}
