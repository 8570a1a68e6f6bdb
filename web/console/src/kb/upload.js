// Sends a file as the raw request body to an upload route (policy documents, batch tests), with
// the session's CSRF token like every other change (api.js). Answers and errors as api.js's.
import { ApiError } from '../api.js';
import { session } from '../session-state.js';

export async function upload(path, file) {
  const headers = { Accept: 'application/json' };
  headers['Content-Type'] = file.type || 'application/octet-stream';
  if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let res;
  try {
    res = await fetch(`../api/v1${path}`, {
      method: 'POST', headers, body: file, credentials: 'same-origin', cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试', 'POST', path);
  }
  const json = await res.json().catch(() => null);
  if (res.ok) return json;
  const error = (json && json.error) || {};
  throw new ApiError(res.status, error.code || '', error.message || res.statusText, 'POST', path,
    error.field);
}
