// A small HTTP client over fetch that behaves like a browser towards the service: it keeps the
// session cookie, sends the CSRF token on unsafe methods, and can hold an API key instead.
import assert from 'node:assert/strict';

export class Client {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.cookie = '';
    this.csrf = '';
    this.bearer = '';
  }

  async request(method, path, { json, body, headers = {} } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (this.bearer) h.Authorization = `Bearer ${this.bearer}`;
    if (this.csrf && !['GET', 'HEAD'].includes(method)) h['X-CSRF-Token'] = this.csrf;
    let payload = body;
    if (json !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(json);
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = setCookie.match(/pf_session=([^;]*)/);
      if (m) this.cookie = m[1] ? `pf_session=${m[1]}` : '';
    }
    const buf = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') || '';
    let data = null;
    if (type.startsWith('application/json')) data = JSON.parse(buf.toString('utf8'));
    return { status: res.status, headers: res.headers, body: buf, json: data };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, json, opts = {}) { return this.request('POST', path, { ...opts, json }); }
  put(path, json, opts = {}) { return this.request('PUT', path, { ...opts, json }); }
  del(path, opts) { return this.request('DELETE', path, opts); }

  async noticeVersion() {
    const r = await this.get('/api/v1/privacy');
    assert.equal(r.status, 200, 'GET /api/v1/privacy');
    const v = r.json.notice_version ?? r.json.notice?.version ?? r.json.version;
    assert.ok(Number.isInteger(v), `GET /api/v1/privacy names the notice version: ${JSON.stringify(r.json).slice(0, 300)}`);
    return v;
  }

  // Agrees to the current notice as an anonymous session (P1, P10).
  async consent() {
    const r = await this.post('/api/v1/consent', { agree: true, age_confirmed: true, notice_version: await this.noticeVersion() });
    assert.equal(r.status, 201, `POST /api/v1/consent: ${r.body}`);
    this.csrf = r.json.csrf_token;
    return r.json;
  }

  // Creates an account with consent and signs in (the session cookie is kept).
  async signUp(username, { email, password = 'correct horse battery staple' } = {}) {
    const body = { username, password, age_confirmed: true, agree: true, notice_version: await this.noticeVersion() };
    if (email) body.email = email;
    const r = await this.post('/api/v1/account', body);
    assert.equal(r.status, 201, `POST /api/v1/account: ${r.body}`);
    this.csrf = r.json.csrf_token;
    return r.json;
  }

  // Creates an API key (the owner consents for its scope); returns {id, key}.
  async createKey(scopes = ['generate', 'read', 'delete']) {
    const r = await this.post('/api/v1/keys', { scopes, agree: true, notice_version: await this.noticeVersion() });
    assert.equal(r.status, 201, `POST /api/v1/keys: ${r.body}`);
    assert.match(r.json.key, /^\S{32,}$/);
    return r.json;
  }
}

// Waits for a job to leave queued/running by polling its status (SSE is tested separately).
export async function waitForJob(client, jobId, timeoutMs = 600000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await client.get(`/api/v1/jobs/${jobId}`);
    assert.equal(r.status, 200, `GET /api/v1/jobs/${jobId}: ${r.body}`);
    if (!['queued', 'running'].includes(r.json.state)) return r.json;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms`);
}

// Reads Server-Sent Events from a job's events URL until the stream ends or `until` says stop.
// Returns the events in order, each with the time (ms, performance.now()) it arrived.
export async function readEvents(client, path, { until = () => false, timeoutMs = 600000 } = {}) {
  const headers = { Accept: 'text/event-stream' };
  if (client.cookie) headers.Cookie = client.cookie;
  if (client.bearer) headers.Authorization = `Bearer ${client.bearer}`;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const res = await fetch(client.baseUrl + path, { headers, signal: ac.signal });
  assert.equal(res.status, 200, `GET ${path}`);
  assert.match(res.headers.get('content-type') || '', /^text\/event-stream/);
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (!data) continue;  // a keep-alive comment
        const ev = JSON.parse(data);
        ev.at = performance.now();
        events.push(ev);
        if (until(ev)) {
          ac.abort();
          return events;
        }
      }
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
  }
  return events;
}
