// Talking to the server: same-origin fetch with the session's CSRF token on unsafe methods, and
// one error type that keeps the server's stable code, status and Retry-After.

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfterS) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterS = retryAfterS;
  }
}

function retryAfter(res) {
  const v = Number(res.headers.get('Retry-After'));
  return Number.isFinite(v) && v > 0 ? v : null;
}

async function request(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  if (!res.ok) {
    const json = (res.headers.get('Content-Type') || '').startsWith('application/json')
      ? await res.json().catch(() => null) : null;
    const err = json?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error',
                       err?.message ?? `The request failed (HTTP ${res.status}).`, err?.field, retryAfter(res));
  }
  return res;
}

// JSON answer of an API call. `withHeaders` also returns the response headers.
export async function api(method, path, body, { withHeaders = false } = {}) {
  const res = await request(method, path, body);
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : null;
  return withHeaders ? { data, headers: res.headers } : data;
}

// Raw bytes (images) as a Blob.
export async function apiBlob(path) {
  return (await request('GET', path)).blob();
}

// "3 minutes", "40 seconds": for Retry-After and lockouts.
export function duration(seconds) {
  if (seconds >= 5400) return `${Math.round(seconds / 3600)} hours`;
  if (seconds >= 90) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

// The sentence a person sees for a failed request.
export function describeError(e) {
  if (!(e instanceof ApiError)) return `Something went wrong: ${e.message}`;
  const wait = e.retryAfterS ? ` Try again in ${duration(e.retryAfterS)}.` : '';
  switch (e.code) {
    case 'too_many_login_attempts':
      return `Too many failed sign-ins for this username.${wait || ' Try again later.'}`;
    case 'invalid_credentials':
      return 'Unknown username or wrong password.';
    case 'rate_limited':
      return `Too many requests in a short time.${wait || ' Wait a moment and try again.'}`;
    case 'model_not_loaded':
      return 'This server has no model loaded, so it cannot generate images (no generation pipeline available).';
    case 'session_ended':
      return 'Your session ended. Reload the page to start again.';
    default:
      return e.message.endsWith('.') ? e.message : `${e.message}.`;
  }
}
