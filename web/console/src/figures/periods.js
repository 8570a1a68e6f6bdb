// The periods of the statistics screens, as China dates (YYYY-MM-DD, 00:00 China time): a
// period is [from, until), the API's `from` and `until`; the one before it is as long and ends
// where it starts (the change shown beside each figure).
import { addDays, chinaDate } from '../labels.js';

export function daysBetween(from, until) {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400e3);
}

export const periods = [
  { code: 'today', label: '今天' },
  { code: 'yesterday', label: '昨天' },
  { code: '7d', label: '近 7 天' },
  { code: '30d', label: '近 30 天' },
  { code: 'month', label: '本月' },
  { code: 'custom', label: '自定义' },
];

// {from, until} of a period; `custom` takes the first and last day (both included). Null for a
// custom period without valid dates.
export function periodRange(code, first = '', last = '', now = Date.now()) {
  const today = chinaDate(0, now);
  const tomorrow = addDays(today, 1);
  switch (code) {
    case 'today': return { from: today, until: tomorrow };
    case 'yesterday': return { from: addDays(today, -1), until: today };
    case '7d': return { from: addDays(today, -6), until: tomorrow };
    case 'month': return { from: `${today.slice(0, 8)}01`, until: tomorrow };
    case 'custom': {
      const ok = /^\d{4}-\d{2}-\d{2}$/;
      if (!ok.test(first) || !ok.test(last) || last < first) return null;
      return { from: first, until: addDays(last, 1) };
    }
    default: return { from: addDays(today, -29), until: tomorrow };
  }
}

export function previousRange({ from, until }) {
  return { from: addDays(from, -daysBetween(from, until)), until: from };
}
