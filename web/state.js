// What the page knows about the visitor and the server, and a tiny event bus the views use
// to tell each other what changed ("session", "gallery", "reuse").

export const state = {
  session: { signed_in: false, consent: false },  // GET /api/v1/session
  policy: null,                                   // GET /api/v1/privacy
  options: null,                                  // GET /api/v1/generation-options
};

const listeners = new Map();

export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(fn);
}

export function emit(name, detail) {
  for (const fn of listeners.get(name) ?? []) fn(detail);
}

export const isAccount = () => state.session.signed_in && state.session.kind === 'account';
export const isModerator = () => isAccount() && ['moderator', 'admin'].includes(state.session.role);
