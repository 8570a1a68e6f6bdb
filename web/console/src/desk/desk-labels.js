// Names and helpers of the agent workspace (坐席工作台, screens/AgentDesk.vue): the server's
// codes in Chinese (presence, channels, hand-over reasons, emotions), waiting times, risk phrases
// cut out of a turn's text, the seven elements of a summary and the work-order form's fields.
// The API is docs/console.md's 坐席工作台 section (GET /api/v1/agent/queue, /agent/desk, ...).
import { formatTime } from '../labels.js';

// GET/PUT /api/v1/agent/presence: state.
export const presenceStates = [
  { code: 'online', label: '在线' },
  { code: 'break', label: '小休' },
  { code: 'offline', label: '离线' },
];
export const presenceNames = Object.fromEntries(presenceStates.map((s) => [s.code, s.label]));

const channels = {
  web: '网页对话', chat: '网页对话', websocket: '网页对话', voice: '电话', phone: '电话',
  wechat: '微信', app: '手机应用', sms: '短信', api: '接口', mini: '小程序', email: '邮件',
};
export function channelName(code) {
  return channels[code] || code || '—';
}

// Why a conversation was handed over: the escalation's code (src/dialogue/escalation.h), or the
// Chinese sentence the server keeps for the agent.
const reasons = {
  risk: '风险：需立即人工介入', anger: '情绪激动', asked_for_human: '市民要求转人工',
  failures: '多次未能解答', transfer: '转接', transferred: '转接',
};
export function reasonName(reason) {
  if (!reason) return '—';
  return reasons[reason] || reason;
}

// {name: "生气", level: "高"} -> "生气·高"; no emotion -> "平稳".
export function emotionText(emotion) {
  if (!emotion || !emotion.name) return '平稳';
  return emotion.level ? `${emotion.name}·${emotion.level}` : emotion.name;
}
export const emotionHigh = (emotion) => !!emotion && emotion.level === '高';

// A span as it counts up: "45秒", "3分05秒", "1小时02分".
export function waitText(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}小时${String(m).padStart(2, '0')}分`;
  if (m) return `${m}分${String(sec).padStart(2, '0')}秒`;
  return `${sec}秒`;
}

// "17:53:20" (China Standard Time).
export function clock(ms) {
  return ms ? formatTime(ms).slice(11) : '—';
}

// An agent as staff see her: the display name citizens see and the login ("1024号（li.si）").
export function staffName(display, login) {
  if (display && login && display !== login) return `${display}（${login}）`;
  return display || login || '';
}

export const roleNames = { citizen: '市民', assistant: '智能助手', agent: '坐席' };

// A turn's text cut at its risk phrases (meta.risks): [{text, risk}], longest phrase first where
// two start at one place.
export function riskSegments(text, risks) {
  const phrases = [...new Set((risks || []).filter((p) => typeof p === 'string' && p))]
    .sort((a, b) => b.length - a.length);
  const s = String(text || '');
  if (!phrases.length) return [{ text: s, risk: false }];
  const out = [];
  let plain = '';
  let i = 0;
  while (i < s.length) {
    const p = phrases.find((x) => s.startsWith(x, i));
    if (p) {
      if (plain) out.push({ text: plain, risk: false });
      plain = '';
      out.push({ text: p, risk: true });
      i += p.length;
    } else {
      plain += s[i];
      i += 1;
    }
  }
  if (plain) out.push({ text: plain, risk: false });
  return out;
}

// The seven elements (src/dialogue/summary.h), with the values the server accepts.
export const requestTypes = ['咨询', '求助', '投诉', '建议', '举报', '表扬'];
export const satisfactionLevels = ['满意', '基本满意', '不满意'];
export const subjectTypes = ['个人', '企业'];

// A summary's 诉求类型 and 涉及政策 titles, for a queue item: "投诉 · 异地就医备案办理".
export function summaryLine(summary) {
  if (!summary) return '';
  const titles = (summary['涉及政策'] || []).map((p) => p.title || p.topic).filter(Boolean);
  return [summary['诉求类型'], titles.join('、')].filter(Boolean).join(' · ');
}

// The work-order form's fields (POST /api/v1/tickets/draft: fields), in the form's order.
export const orderFields = [
  { name: 'topic', label: '诉求类型' },
  { name: 'category', label: '分类' },
  { name: 'district', label: '区县' },
  { name: 'place', label: '地点' },
  { name: 'sla', label: '时限' },
  { name: 'summary', label: '摘要' },
  { name: 'contact', label: '联系电话' },
];

// 0.86 -> "86%".
export function pct(x) {
  return typeof x === 'number' ? `${Math.round(x * 100)}%` : '—';
}
