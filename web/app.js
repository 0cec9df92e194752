// Pixforge web UI: plain ES module, same-origin only. The DOM is built with textContent (never
// innerHTML), so nothing a user or the server returns can become markup.
const $ = (id) => document.getElementById(id);
let session = { signed_in: false, consent: false };
let policy = null;
let currentJob = null;
let events = null;

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf_token) headers['X-CSRF-Token'] = session.csrf_token;
  const res = await fetch(path, { method, headers, credentials: 'same-origin',
                                  body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.headers.get('Content-Type')?.startsWith('application/json') ? await res.json() : null;
  if (!res.ok) throw new Error(data?.error?.message ?? `request failed (${res.status})`);
  return data;
}

function show(view) {
  for (const id of ['consent', 'generate', 'gallery', 'privacy']) $(id).hidden = id !== view;
  if (view === 'gallery') loadGallery();
}

function hours(h) { return h >= 48 ? `${Math.round(h / 24)} days` : `${h} hours`; }

function renderConsent() {
  const r = policy.retention;
  $('notice-version').textContent = policy.notice.version;
  $('notice-updated').textContent = policy.notice.last_updated;
  const who = policy.processors.length === 0
    ? 'Only this server. Nothing is sent to anyone else.'
    : policy.processors.map((p) => `${p.name} (${p.data_sent}; ${p.purpose}; ${p.use_limit})`).join('; ');
  const rows = [
    ['What is sent', 'Your prompt, the settings you choose and any image you upload.'],
    ['To whom', who],
    ['Why', 'Only to make the images you ask for. Never for training unless you opt in.'],
    ['How long', `Prompts ${hours(r.prompts_hours_after_result)} after the result; uploads ` +
                 `${hours(r.uploads_hours_after_job_end)} after the job; images ` +
                 `${r.outputs_days_anonymous} days without an account.`],
  ];
  const dl = $('consent-summary');
  dl.replaceChildren();
  for (const [term, text] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = text;
    dl.append(dt, dd);
  }
}

async function refreshSession() {
  session = await api('GET', '/api/v1/session');
  if (!session.consent) { renderConsent(); show('consent'); } else { show('generate'); }
}

async function agree() {
  if (!$('age-confirmed').checked) {
    $('consent-message').textContent = 'Please confirm that you are at least 13 years old.';
    return;
  }
  try {
    const r = await api('POST', '/api/v1/consent',
                        { agree: true, age_confirmed: true, notice_version: policy.notice.version });
    session.csrf_token = r.csrf_token;
    await refreshSession();
  } catch (e) { $('consent-message').textContent = e.message; }
}

async function decline() {
  await api('POST', '/api/v1/consent', { agree: false });
  $('consent-message').textContent = 'Nothing was stored. You can agree at any time to use Pixforge.';
}

function figure(image, onDelete) {
  const fig = document.createElement('figure');
  const img = document.createElement('img');
  img.src = image.url;
  img.alt = 'Generated image';
  const cap = document.createElement('figcaption');
  const link = document.createElement('a');
  link.href = image.url;
  link.download = `${image.id}.png`;
  link.textContent = 'Download';
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'secondary delete-image';
  del.textContent = 'Delete';
  del.addEventListener('click', async () => { await api('DELETE', `/api/v1/images/${image.id}`); onDelete(fig); });
  cap.append(link, del);
  fig.append(img, cap);
  return fig;
}

function finishJob(job) {
  $('progress').hidden = true;
  $('generate-button').disabled = false;
  if (job.state !== 'succeeded') {
    $('generate-error').textContent = `The job ${job.state}${job.error ? ` (${job.error})` : ''}.`;
    return;
  }
  const grid = $('result');
  grid.replaceChildren(...job.images.map((im) => figure(im, (fig) => fig.remove())));
}

function watch(jobId) {
  currentJob = jobId;
  $('progress').hidden = false;
  $('preview').hidden = true;
  $('progress-text').textContent = 'Queued';
  events = new EventSource(`/api/v1/jobs/${jobId}/events`);
  events.onmessage = async (msg) => {
    const ev = JSON.parse(msg.data);
    if (ev.type === 'queued') $('progress-text').textContent = `Queued (position ${ev.position + 1})`;
    if (ev.type === 'started') $('progress-text').textContent = 'Starting';
    if (ev.type === 'progress') {
      $('progress-bar').value = ev.total ? ev.step / ev.total : 0;
      $('progress-text').textContent = `Step ${ev.step} of ${ev.total}`;
      if (ev.preview) { $('preview').src = ev.preview; $('preview').hidden = false; }
    }
    if (ev.type === 'done') {
      events.close();
      finishJob(await api('GET', `/api/v1/jobs/${jobId}`));
    }
  };
  events.onerror = () => { /* the browser reconnects; a finished job answers "done" at once */ };
}

async function generate(ev) {
  ev.preventDefault();
  $('generate-error').textContent = '';
  $('result').replaceChildren();
  const body = {
    prompt: $('prompt').value, negative_prompt: $('negative').value,
    width: Number($('width').value), height: Number($('height').value),
    steps: Number($('steps').value), seed: Number($('seed').value),
  };
  $('generate-button').disabled = true;
  try {
    const job = await api('POST', '/api/v1/generate', body);
    watch(job.id);
  } catch (e) {
    $('generate-error').textContent = e.message;
    $('generate-button').disabled = false;
  }
}

async function loadGallery() {
  const { images } = await api('GET', '/api/v1/gallery').catch(() => ({ images: [] }));
  const grid = $('gallery-grid');
  grid.replaceChildren(...images.map((im) => figure(im, (fig) => { fig.remove(); loadGallery(); })));
  $('gallery-empty').hidden = images.length > 0;
}

async function withdraw() {
  await api('DELETE', '/api/v1/consent');
  await refreshSession();
}

async function deleteEverything() {
  if (!window.confirm('Delete everything held about you? This cannot be undone.')) return;
  await api('DELETE', '/api/v1/me');
  $('privacy-message').textContent = 'Deleted. Your data and its encryption key are gone.';
  session = { signed_in: false, consent: false };
  renderConsent();
  setTimeout(() => show('consent'), 0);
}

async function start() {
  policy = await api('GET', '/api/v1/privacy');
  for (const b of document.querySelectorAll('nav button')) {
    b.addEventListener('click', () => (session.consent || b.dataset.view === 'privacy'
      ? show(b.dataset.view) : show('consent')));
  }
  $('agree').addEventListener('click', agree);
  $('decline').addEventListener('click', decline);
  $('generate-form').addEventListener('submit', generate);
  $('cancel').addEventListener('click', () => currentJob && api('POST', `/api/v1/jobs/${currentJob}/cancel`, {}));
  $('withdraw').addEventListener('click', withdraw);
  $('delete-all').addEventListener('click', deleteEverything);
  await refreshSession();
}

start();
