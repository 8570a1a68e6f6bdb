// The signed-in state of this tab, apart from session.js so that api.js can read it.
import { reactive } from 'vue';

const CSRF_KEY = 'zx.console.csrf';

export const session = reactive({
  me: null, // GET /api/v1/auth/me: {id, name, role, department, district, permissions, ...}
  csrf: localStorage.getItem(CSRF_KEY) || '', // kept for the browser: reloads and new tabs
  checked: false, // whether /auth/me was asked since the page loaded
  ended: '', // why the last session ended ('expired', 'signed_out'), for the sign-in page
});

export function keepCsrf(token) {
  session.csrf = token || '';
  if (token) localStorage.setItem(CSRF_KEY, token);
  else localStorage.removeItem(CSRF_KEY);
}

// Whether the signed-in user holds `permission` (GET /api/v1/auth/me's list).
export function holds(permission) {
  return (session.me?.permissions || []).includes(permission);
}
