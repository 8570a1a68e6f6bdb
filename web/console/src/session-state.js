// The signed-in state of this tab, apart from session.js so that api.js can read it.
import { reactive } from 'vue';

const CSRF_KEY = 'zx.console.csrf';

export const session = reactive({
  me: null, // GET /api/v1/auth/me: {id, name, role, department, district, permissions, ...}
  csrf: sessionStorage.getItem(CSRF_KEY) || '', // kept for the tab (survives a reload)
  checked: false, // whether /auth/me was asked since the page loaded
  ended: '', // why the last session ended ('expired', 'signed_out'), for the sign-in page
});

export function keepCsrf(token) {
  session.csrf = token || '';
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}
