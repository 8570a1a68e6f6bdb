// The workspace's reads that carry a purpose: GET with the X-Access-Purpose header (why the
// citizen's data is opened unmasked; the server records it in the audit log with the read).
// api.js sends no extra headers, hence this one request of its own, with api.js's errors.
//
// A header carries Latin-1 only (fetch refuses anything else), and purposes are written in
// Chinese: the purpose goes percent-encoded as UTF-8 (encodeURIComponent) whenever it is not
// plain ASCII, as the audit log then shows it.
import { api, ApiError } from '../api.js';

export function purposeHeader(purpose) {
  const p = String(purpose || '').trim();
  return /^[\x20-\x7e]*$/.test(p) ? p : encodeURIComponent(p);
}

export async function getWithPurpose(path, purpose) {
  let res;
  try {
    res = await fetch(`../api/v1${path}`, {
      method: 'GET',
      headers: { Accept: 'application/json', 'X-Access-Purpose': purposeHeader(purpose) },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试', 'GET', path);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok) return json;
  if (res.status === 401) return api.get(path); // api.js ends the session (back to the sign-in)
  const error = (json && json.error) || {};
  throw new ApiError(res.status, error.code || '', error.message || res.statusText || '', 'GET', path, error.field);
}
