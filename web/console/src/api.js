// Calls to the server's JSON API (/api/v1, beside /console/), with the cookie session.
//
// The session is the HttpOnly zx_session cookie that POST /api/v1/auth/login sets; the browser
// sends it by itself. Requests that change something (not GET/HEAD) also carry X-CSRF-Token,
// the csrf_token of the login answer (src/http/auth.h), which session-state.js keeps. A 401
// means the session is over (expired, signed out elsewhere, user disabled): the console goes
// back to the sign-in. Errors are ApiError: the HTTP status, the server's error code and
// message ({"error": {"code", "message", "field"?}}), and the request that failed.
import { session } from './session-state.js';

const API = '../api/v1';

export class ApiError extends Error {
  constructor(status, code, message, method, path, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.method = method;
    this.path = path;
    this.field = field;
  }

  // "GET /api/v1/users": what was refused, for 无权访问 and error messages.
  get request() {
    return `${this.method} /api/v1${this.path.split('?')[0]}`;
  }
}

let onSessionOver = () => {};
// main.js: what to do when the server says the session is over (back to the sign-in).
export function whenSessionOver(handler) {
  onSessionOver = handler;
}

// `body` is sent as JSON; a File or Blob (an upload: a policy document, a batch of test
// questions) is sent as it is, with its own type.
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (body instanceof Blob) {
    headers['Content-Type'] = body.type || 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let res;
  try {
    res = await fetch(API + path, {
      method, headers, body: payload, credentials: 'same-origin', cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试', method, path);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok) return json;
  const error = (json && json.error) || {};
  const e = new ApiError(res.status, error.code || '', error.message || res.statusText || '',
    method, path, error.field);
  if (res.status === 401 && path !== '/auth/login') onSessionOver(e);
  throw e;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body === undefined ? {} : body),
  put: (path, body) => request('PUT', path, body),
  del: (path) => request('DELETE', path),
  upload: (path, file) => request('POST', path, file),
};

// A query string of the non-empty values of `params` ("?a=1&b=x"; "" when none).
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// A Chinese sentence for an error, for messages next to what failed.
export function describeError(e) {
  if (!(e instanceof ApiError)) return `出错了：${e && e.message ? e.message : e}`;
  if (e.status === 0) return e.message;
  const what = {
    400: '请求有误', 401: '未登录或会话已过期', 403: '无权执行此操作', 404: '找不到对象',
    409: '与现有数据冲突', 413: '内容过大', 429: '操作过于频繁，请稍后再试', 503: '服务暂时不可用',
  }[e.status] || '服务器出错';
  return e.message ? `${what}（HTTP ${e.status}）：${e.message}` : `${what}（HTTP ${e.status}）`;
}
