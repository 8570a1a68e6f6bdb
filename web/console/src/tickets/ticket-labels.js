// Names and helpers of the work-order screens (工单): the server's codes in Chinese, the time
// left to a deadline as words, errors of actions. The server's codes are in src/tickets/ticket.cc
// and src/tickets/work_orders.cc (history actions).
import { onBeforeUnmount, onMounted, ref } from 'vue';
import { ApiError, describeError } from '../api.js';
import { addDays, formatTime } from '../labels.js';
import { session } from '../session-state.js';

// The list's tabs (GET /api/v1/tickets?tab=); the last two are the dispatcher's.
export const tabs = [
  { code: 'to_accept', label: '待签收' },
  { code: 'in_progress', label: '办理中' },
  { code: 'warning', label: '即将超时' },
  { code: 'overdue', label: '已超时' },
  { code: 'to_visit', label: '待回访' },
  { code: 'done', label: '已办结' },
  { code: 'to_dispatch', label: '待人工派单', permission: 'ticket.dispatch' },
  { code: 'returned', label: '退单待定', permission: 'ticket.dispatch' },
];

export const orderStates = {
  pending_dispatch: '待人工派单', dispatched: '办理中', resolved: '已办结', closed: '已归档', merged: '已并单',
};
export const taskStates = {
  dispatched: '待签收', accepted: '办理中', returned: '已退单', resolved: '已办结', withdrawn: '已撤回',
};
export const extensionStates = { none: '', requested: '延期待审', approved: '延期已批准', refused: '延期未批准' };
export const visitStates = { none: '', due: '待回访', done: '已回访', unanswered: '未回访' };
export const tierNames = { '2h': '2 小时', '24h': '24 小时', '7d': '7 个工作日', '15d': '15 个工作日' };
export const fieldNames = { topic: '诉求类型', category: '分类', district: '区县', place: '地点', sla: '时限', summary: '摘要' };
export const channelNames = { chat: '网上对话', voice: '电话', api: '接口', agent: '坐席登记' };

// The history's actions (ticket_history.action).
export const actionNames = {
  create: '登记', dispatch: '派单', redispatch: '改派', uphold: '维持派单', accept: '签收', return: '退单',
  resolve: '办结', all_returned: '全部退回待派', extension_ask: '申请延期', extension_approve: '批准延期',
  extension_refuse: '不批准延期', visit: '回访', reopen: '重新办理', withdraw: '撤回', merge: '并单',
  merge_in: '并入重复诉求', unmerge: '撤销并单', unmerge_out: '撤出并单', warn: '预警催办', overdue: '超时督办',
  confirm_field: '确认要素', correct_field: '更正要素',
};

// Element Plus tag types; the state is always written out too (never colour alone).
export const orderStateTags = {
  pending_dispatch: 'warning', dispatched: 'primary', resolved: 'success', closed: 'info', merged: 'info',
};
export const taskStateTags = {
  dispatched: 'warning', accepted: 'primary', returned: 'danger', resolved: 'success', withdrawn: 'info',
};

// Working-day tiers count days on the holiday calendar; hour tiers count the clock.
export const dayTier = (tier) => tier === '7d' || tier === '15d';

// "2小时15分", "3天4小时", "12分" for a span of ms (its absolute value).
export function spanText(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) return `${d}天${h}小时`;
  if (h) return `${h}小时${m}分`;
  return `${m}分`;
}

// The time left to a deadline in words: "剩余 3 个工作日" (day tiers, counted by the server on
// the holiday calendar), "剩余 1小时20分", "已超时 2小时15分"; "—" without a live deadline. A day
// tier without the server's count says nothing until its last day: calendar days would mislead.
export function leftText(ms, workingDays, tier) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 0) return `已超时 ${spanText(ms)}`;
  if (dayTier(tier)) {
    if (Number.isInteger(workingDays)) return `剩余 ${workingDays} 个工作日`;
    if (ms >= 86400000) return '';
  }
  return `剩余 ${spanText(ms)}`;
}

// A deadline as the calendar writes it: one at local midnight is the end of the day before
// ("2026-12-16 24:00", docs/tickets.md).
export function dueText(ms) {
  if (!ms) return '—';
  const t = formatTime(ms).slice(0, 16);
  return t.endsWith(' 00:00') ? `${formatTime(ms - 1).slice(0, 10)} 24:00` : t;
}

// A clock for countdowns: `now` moves every `everyMs` while the screen is shown.
export function useNow(everyMs = 30000) {
  const now = ref(Date.now());
  let timer = 0;
  onMounted(() => { timer = setInterval(() => { now.value = Date.now(); }, everyMs); });
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}

// Who did a step of the history: "u:3" (a user), "k:2" (an API client), "system".
export function actorName(actor) {
  if (!actor) return '—';
  if (session.me && actor === session.me.id) return `${session.me.name}（我）`;
  if (actor === 'system') return '系统';
  if (actor.startsWith('u:')) return `用户 ${actor}`;
  if (actor.startsWith('k:')) return `接口客户端 ${actor}`;
  return actor;
}

// A state of a history step: a task's when the step names a department, else the order's;
// extension steps have their own.
export function stepStateName(step, code) {
  if (!code) return '—';
  if (extensionStates[code]) return extensionStates[code];
  return (step.department ? taskStates[code] : orderStates[code]) || code;
}

// An action's error in a sentence; a 409 says the move is not legal in the state now (the
// server's message names the state and the action).
export function actionError(e) {
  if (e instanceof ApiError && e.status === 409) {
    return `当前状态下不能执行此操作（HTTP 409）：${e.message || '状态已变化，请刷新'}`;
  }
  return describeError(e);
}

// The list's address when the detail was opened from it, so "back" keeps its filters and page.
let lastListPath = '/tickets';
export function rememberList(fullPath) { lastListPath = fullPath; }
export function listPath() { return lastListPath; }

// "YYYY-MM-DD" + 1 day: the API's `until` is exclusive, the screen's end date inclusive.
export function nextDay(day) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day || '')) return undefined;
  if (Number.isNaN(Date.parse(`${day}T00:00:00Z`))) return undefined;
  return addDays(day, 1);
}
