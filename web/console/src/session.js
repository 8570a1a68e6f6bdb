// Signing in and out, and who is signed in (GET /api/v1/auth/me).
import { api, ApiError } from './api.js';
import { session, keepCsrf } from './session-state.js';

export { session };

// Who is signed in: asks the server once per page load, and only after a sign-in in this
// browser (the cookie is HttpOnly: without the CSRF token kept at sign-in there is no usable
// session, and a needless 401 would be an error in the browser's console).
export async function ensureSession() {
  if (session.checked) return session.me;
  session.checked = true;
  if (!session.csrf) return null;
  try {
    session.me = await api.get('/auth/me');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    session.me = null;
    keepCsrf('');
  }
  return session.me;
}

export async function signIn(name, password, otp) {
  const body = { name, password };
  if (otp) body.otp = otp;
  const answer = await api.post('/auth/login', body);
  keepCsrf(answer.csrf_token);
  session.checked = true;
  session.ended = '';
  // The login answer's user was made for a Bearer session; ask as the console is signed in.
  session.me = await api.get('/auth/me');
  return session.me;
}

export async function signOut() {
  try {
    await api.post('/auth/logout');
  } finally {
    endSession('signed_out');
  }
}

// The session is over (the server answered 401, or signed out): forget it.
export function endSession(why) {
  session.me = null;
  session.checked = true;
  session.ended = why;
  keepCsrf('');
}
