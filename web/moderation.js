// The moderator page (P9, P6): the flag log and the images withheld by output moderation,
// each released to its owner or deleted. Moderators see flagged items only, with scores and
// times; never a prompt or an owner's name. Every view and decision is audited by the server.
import { api, describeError } from './api.js';
import { $, el, formatTime, say } from './dom.js';

function scoresText(scores) {
  if (!scores || typeof scores !== 'object') return '';
  return Object.entries(scores).sort((a, b) => b[1] - a[1])
    .map(([name, p]) => `${name} ${(p * 100).toFixed(1)} %`).join(', ');
}

async function decide(flag, decision, card) {
  const verb = decision === 'release' ? 'Release this image to its owner' : 'Delete this image now';
  if (!window.confirm(`${verb}? The decision is final and audited.`)) return;
  try {
    const updated = await api('POST', `/api/v1/moderation/flags/${encodeURIComponent(flag.id)}/decision`, { decision });
    card.replaceWith(flagCard(updated));
    say('moderation-message', `Flag ${flag.id}: ${updated.decision}.`);
  } catch (e) {
    say('moderation-message', describeError(e), 'error');
  }
}

function flagCard(flag) {
  const card = el('figure', { className: 'flag', dataset: { flagId: flag.id } });
  if (flag.image_url) card.append(el('img', { src: flag.image_url, alt: 'Image withheld for review' }));
  const dl = el('dl', { className: 'params' });
  const row = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v));
  row('Flagged', formatTime(flag.created_ms));
  row('Top class', flag.top_class);
  row('Scores', scoresText(flag.scores));
  row('Decision', flag.decision);
  if (flag.decision === 'pending') row('Deleted if undecided by', formatTime(flag.review_until_ms));
  else if (flag.decided_ms) row('Decided', formatTime(flag.decided_ms));
  const caption = el('figcaption', {}, dl);
  if (flag.decision === 'pending') {
    caption.append(el('div', { className: 'card-actions' },
      el('button', { type: 'button', className: 'secondary', onclick: () => decide(flag, 'release', card) }, 'Release'),
      el('button', { type: 'button', className: 'danger', onclick: () => decide(flag, 'delete', card) }, 'Delete')));
  }
  card.append(caption);
  return card;
}

export async function loadModeration() {
  say('moderation-message', '');
  try {
    const { flags } = await api('GET', `/api/v1/moderation/flags?decision=${encodeURIComponent($('flag-filter').value)}`);
    $('flags-grid').replaceChildren(...flags.map(flagCard));
    $('flags-empty').hidden = flags.length > 0;
  } catch (e) {
    $('flags-grid').replaceChildren();
    $('flags-empty').hidden = true;
    say('moderation-message', describeError(e), 'error');
  }
}

export function initModeration() {
  $('flag-filter').addEventListener('change', loadModeration);
}
