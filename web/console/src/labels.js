// Chinese names of the server's codes (roles, permissions, statuses), shown in the console.
export const roleNames = {
  admin: '系统管理员',
  supervisor: '值班长',
  agent: '坐席',
  department_handler: '承办部门',
  auditor: '审计员',
  integration: '集成客户端',
  editor: '知识库编辑',
};

// The roles an administrator may give a staff account (integration clients get API keys).
export const staffRoles = ['agent', 'supervisor', 'editor', 'department_handler', 'auditor', 'admin'];

export const permissionNames = {
  'session.self': '查看本人信息、退出登录',
  'conversation.read': '查看会话与记录（已脱敏）',
  'conversation.search': '检索历史会话（留审计）',
  'agent.queue': '查看排队并接入会话',
  'conversation.write': '在所持会话中回复、结束、转接',
  'conversation.takeover': '接管他人会话（留审计）',
  'callback.work': '处理回拨任务',
  'ticket.read': '查看工单',
  'ticket.write': '确认或更正工单要素',
  'ticket.create': '登记工单',
  'ticket.dispatch': '派单、改派、并单',
  'ticket.handle': '承办：签收、退单、申请延期、办结',
  'ticket.extension': '审批延期',
  'ticket.visit': '记录回访',
  'ticket.figures': '工单统计与热点',
  'pii.read_full': '查看未脱敏的个人信息（留审计）',
  'recording.read': '调听录音（留审计）',
  'campaign.manage': '外呼任务',
  'kb.edit': '编写知识草稿、导入政策文件、处理未答问题',
  'kb.review': '审核、发布知识版本',
  'kb.test': '命中测试与批量测试',
  'kb.manage': '导出知识库、查看版本与审核队列',
  'report.export': '导出统计报表',
  'metrics.read': '查看运行指标',
  'user.manage': '管理用户：添加、停用、解锁、重置密码',
  'apikey.manage': '创建和吊销 API 密钥',
  'keys.manage': '管理数据密钥',
  'config.read': '查看配置与路由表',
  'retention.run': '执行数据保留清理',
  'audit.read': '查看审计日志',
  'audit.verify': '校验审计日志的哈希链',
};

export function roleName(role) {
  return roleNames[role] || role || '—';
}

// A time (unix ms) in China Standard Time, e.g. 2026-12-06 17:53:20.
const timeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});
export function formatTime(ms) {
  if (!ms) return '—';
  const parts = Object.fromEntries(timeFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

// "YYYY-MM-DD" (China Standard Time) -> unix ms of that day's start; `endOfDay` -> its last ms.
export function dayToMs(day, endOfDay = false) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day || '')) return undefined;
  const start = Date.parse(`${day}T00:00:00+08:00`);
  if (Number.isNaN(start)) return undefined;
  return endOfDay ? start + 86400000 - 1 : start;
}

// 0.925 -> "92.5%"; "—" when not a number.
export function percent(x) {
  return typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '—';
}

// A China date ("YYYY-MM-DD", China Standard Time): today, or `days` later.
export function chinaDate(days = 0, now = Date.now()) {
  return new Date(now + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

// "YYYY-MM-DD" moved by `days` (calendar days).
export function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400e3).toISOString().slice(0, 10);
}
