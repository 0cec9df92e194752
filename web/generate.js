// The generate view: prompt, negative prompt, size, steps, CFG, sampler and schedule, seed
// (-1 = random), batch, optional img2img source with strength; live progress with previews,
// queue position and cancel; the results; clear words for a blocked or rewritten prompt (P8)
// and for images withheld by output moderation (P9).
import { ApiError, api, describeError } from './api.js';
import { $, busy, el, say } from './dom.js';
import { imageCard } from './image_card.js';
import { describeProgress, watchJob } from './progress.js';
import { emit, on, state } from './state.js';
import { initUpload, uploadBody } from './upload.js';

let currentJob = null;
let lastSeed = null;

function setLastSeed(seed) {
  lastSeed = seed;
  $('seed-last').disabled = false;
  $('seed-last').title = `Use the seed of the last image (${seed})`;
}

// choices: [{name, label}]; the label is what A1111 shows and writes into infotexts.
function fillSelect(select, choices, preferred) {
  select.replaceChildren(...choices.map((c) => el('option', { value: c.name, dataset: { label: c.label } },
                                                    c.label === c.name ? c.name : `${c.label} (${c.name})`)));
  if (choices.some((c) => c.name === preferred)) select.value = preferred;
}

// Selects the option whose name or A1111 label is `text`; false when none is.
function selectByLabel(select, text) {
  const want = String(text ?? '').toLowerCase();
  const match = [...select.options].find((o) => o.value.toLowerCase() === want ||
                                                (o.dataset.label ?? '').toLowerCase() === want);
  if (match) select.value = match.value;
  return Boolean(match);
}

// Builds the form's choices and bounds from GET /api/v1/generation-options.
export function applyOptions(options) {
  const l = options.limits;
  fillSelect($('sampler'), options.samplers, $('sampler').value || 'euler');
  fillSelect($('scheduler'), options.schedulers, $('scheduler').value || 'normal');
  $('width').max = l.max_width;
  $('height').max = l.max_height;
  $('steps').max = l.max_steps;
  $('batch').max = l.max_batch;
  $('prompt').maxLength = l.max_prompt_chars;
  $('negative').maxLength = l.max_prompt_chars;
  $('img2img').hidden = !options.img2img;
  $('model-name').textContent = options.model
    ? `Model: ${options.model}` : 'No model is loaded on this server: generation is unavailable.';
}

function formBody() {
  const num = (id) => Number($(id).value);
  return {
    prompt: $('prompt').value,
    negative_prompt: $('negative').value,
    width: num('width'),
    height: num('height'),
    steps: num('steps'),
    cfg_scale: num('cfg'),
    sampler: $('sampler').value || undefined,
    scheduler: $('scheduler').value || undefined,
    seed: num('seed'),
    n: num('batch'),
    ...uploadBody(),
  };
}

function setProgress(fraction, text) {
  const bar = $('progress-bar');
  bar.value = fraction;
  bar.setAttribute('aria-valuenow', String(fraction));
  $('progress-text').textContent = text;
}

function onJobEvent(ev) {
  const text = describeProgress(ev);
  if (ev.type === 'progress') {
    setProgress(ev.total ? ev.step / ev.total : 0, text);
    if (ev.preview) {
      $('preview').src = ev.preview;
      $('preview').hidden = false;
    }
  } else if (text) {
    $('progress-text').textContent = text;
  }
}

function withheldText(count, shown) {
  const days = state.policy?.retention?.flagged_images_review_days;
  const review = days ? ` It is kept encrypted for review by a moderator for at most ${days} days; unless a moderator releases it to you, it is then deleted.` : '';
  if (shown === 0) {
    return `The automatic content check withheld ${count === 1 ? 'the image' : `all ${count} images`}: ` +
           `it is not shown to you.${review}`;
  }
  return `The automatic content check withheld ${count} of ${count + shown} images; the others are shown below.${review}`;
}

function finished(job, done) {
  const images = job.images ?? [];
  const withheld = job.moderation?.withheld_images ?? done.withheld_images ?? 0;
  if (job.state === 'succeeded') {
    if (withheld > 0) say('generate-notice', withheldText(withheld, images.length), 'notice');
    const seedOf = (info) => {
      if (info.settings.Seed) setLastSeed(info.settings.Seed);
    };
    $('result').replaceChildren(...images.map((im) => imageCard(im, { onParameters: seedOf })));
    emit('gallery');
    return;
  }
  if (job.state === 'cancelled') say('generate-error', 'The job was cancelled. Nothing was generated.');
  else say('generate-error', `The job ${job.state}${job.error ? ` (${job.error})` : ''}.`, 'error');
}

async function follow(jobId) {
  currentJob = jobId;
  $('progress').hidden = false;
  $('preview').hidden = true;
  $('cancel').disabled = false;
  setProgress(0, 'Queued');
  try {
    const done = await watchJob(jobId, onJobEvent);
    const job = await api('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`);
    finished(job, done);
  } catch (e) {
    say('generate-error', describeError(e), 'error');
  } finally {
    currentJob = null;
    $('progress').hidden = true;
    $('generate-button').disabled = false;
  }
}

function rewriteNotice(headers, job) {
  const header = headers.get('X-Pixforge-Prompt-Safety') ?? '';
  if (!header.startsWith('rewritten') && !job.moderation?.prompt_rewritten) return;
  const category = /category=([\w-]+)/.exec(header)?.[1] ?? job.moderation?.safety_category;
  say('generate-notice', 'Your prompt was adjusted by the safety check toward a fully clothed, appropriate ' +
      `result before generating${category ? ` (category: ${category.replace(/_/g, ' ')})` : ''}.`, 'notice');
}

// The request field the server names in an error -> the form control to focus.
const FIELD_INPUTS = {
  prompt: 'prompt', negative_prompt: 'negative', width: 'width', height: 'height', steps: 'steps',
  cfg_scale: 'cfg', sampler: 'sampler', scheduler: 'scheduler', seed: 'seed', n: 'batch',
  init_image: 'init-image', strength: 'strength',
};

function submitError(e) {
  if (e instanceof ApiError && e.code === 'prompt_blocked') {
    const which = e.field === 'negative_prompt' ? 'negative prompt' : 'prompt';
    const category = /category '([\w-]+)'/.exec(e.message)?.[1];
    say('generate-error', `Your ${which} was blocked by the safety check` +
        `${category ? ` (category: ${category.replace(/_/g, ' ')})` : ''}. Nothing was generated or stored.`, 'error');
    $(e.field === 'negative_prompt' ? 'negative' : 'prompt').focus();
    return;
  }
  if (e instanceof ApiError && (e.code === 'consent_required' || e.code === 'session_ended')) emit('session');
  const input = e instanceof ApiError ? $(FIELD_INPUTS[e.field] ?? '') : null;
  input?.focus();
  say('generate-error', describeError(e), 'error');
}

async function generate(ev) {
  ev.preventDefault();
  say('generate-error', '');
  say('generate-notice', '');
  $('result').replaceChildren();
  $('generate-button').disabled = true;
  let submitted;
  try {
    submitted = await api('POST', '/api/v1/generate', formBody(), { withHeaders: true });
  } catch (e) {
    submitError(e);
    $('generate-button').disabled = false;
    return;
  }
  rewriteNotice(submitted.headers, submitted.data);
  await follow(submitted.data.id);
}

async function cancel() {
  if (!currentJob) return;
  await busy($('cancel'), async () => {
    try {
      await api('POST', `/api/v1/jobs/${encodeURIComponent(currentJob)}/cancel`, {});
      $('progress-text').textContent = 'Cancelling…';
    } catch (e) {
      // 409: it finished meanwhile; the "done" event shows the result.
      if (!(e instanceof ApiError && e.status === 409)) say('generate-error', describeError(e), 'error');
    }
  });
}

// Fills the form from an image's A1111 parameters ("reuse these settings").
function reuse(info) {
  const s = info.settings;
  $('prompt').value = info.prompt;
  $('negative').value = info.negative_prompt;
  const size = /^(\d+)x(\d+)$/.exec(s.Size ?? '');
  if (size) [$('width').value, $('height').value] = [size[1], size[2]];
  if (s.Steps) $('steps').value = s.Steps;
  if (s['CFG scale']) $('cfg').value = s['CFG scale'];
  if (s.Seed) $('seed').value = s.Seed;
  const missing = [];
  if (s.Sampler && !selectByLabel($('sampler'), s.Sampler)) missing.push(`sampler "${s.Sampler}"`);
  if (s['Schedule type'] && !selectByLabel($('scheduler'), s['Schedule type'])) missing.push(`schedule "${s['Schedule type']}"`);
  say('generate-error', '');
  say('generate-notice', missing.length ? `Settings copied, except the ${missing.join(' and ')}, which this server does not offer.`
                                        : 'Settings copied from the image. Change anything, then Generate.', 'notice');
  emit('show', 'generate');
  $('prompt').focus();
}

export function initGenerate() {
  $('generate-form').addEventListener('submit', generate);
  $('cancel').addEventListener('click', cancel);
  $('seed-random').addEventListener('click', () => { $('seed').value = '-1'; });
  $('seed-last').addEventListener('click', () => { if (lastSeed !== null) $('seed').value = lastSeed; });
  initUpload();
  on('reuse', reuse);
}
