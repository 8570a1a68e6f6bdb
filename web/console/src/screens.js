// THE screen table: every screen of the console is one row here and one file in screens/.
// `permission` is the policy-table permission the screen needs (the server's
// src/security/policy.cc, as GET /api/v1/auth/me lists it): the menu shows a screen only to a
// user who holds it, and opening it without it shows 无权访问. `key` is the letter of its
// `g` shortcut (g then the letter; the shortcut sheet, `?`, lists them). `group` is the menu's
// heading (null: at the top); `menu: false` keeps a screen reached from another (an entry's
// page) out of the menu and the shortcut sheet. `keys` (optional) are the screen's own keys, each
// [keys, what it does] with keys as the keyboard shows them: the shortcut sheet lists them while
// the screen is open, and the screen its legend. docs/console.md says how to add a screen.
export const screens = [
  { path: '/', name: 'home', title: '首页', permission: 'session.self', key: 'h', group: null,
    component: () => import('./screens/Home.vue') },
  { path: '/desk', name: 'desk', title: '坐席工作台', permission: 'agent.queue', key: 'x', group: '坐席',
    keys: [
      [['j', 'k'], '在队列中上下移动（也可用 ↓ ↑）'],
      [['t'], '接入所选会话（Enter 亦可；我的会话：打开）'],
      [['/'], '回复框中：常用语'],
      [['Ctrl', 'Enter'], '发送回复'],
      [['Esc'], '离开回复框'],
      [['i'], '插入第一条（或已固定的）推荐'],
      [['o'], '打开工单'],
      [['e'], '结束会话（需确认）'],
    ],
    component: () => import('./screens/AgentDesk.vue') },
  { path: '/tickets', name: 'tickets', title: '工单', permission: 'ticket.read', key: 'w', group: '工单',
    component: () => import('./screens/Tickets.vue') },
  { path: '/tickets/:id', name: 'ticket', title: '工单详情', permission: 'ticket.read', key: null,
    group: '工单', menu: false, component: () => import('./screens/TicketDetail.vue') },
  { path: '/tickets-figures', name: 'ticket-figures', title: '工单统计', permission: 'ticket.figures', key: 's',
    group: '工单', component: () => import('./screens/TicketFigures.vue') },
  { path: '/dashboard', name: 'dashboard', title: '数据看板', permission: 'stats.read', key: 'n',
    group: '工单', component: () => import('./screens/Dashboard.vue') },
  { path: '/campaigns', name: 'campaigns', title: '外呼任务', permission: 'campaign.manage', key: 'c',
    group: '外呼', component: () => import('./screens/Campaigns.vue') },
  { path: '/campaigns/:id', name: 'campaign', title: '外呼任务', permission: 'campaign.manage', key: null,
    group: '外呼', menu: false, component: () => import('./screens/CampaignDetail.vue') },
  { path: '/kb', name: 'kb', title: '知识条目', permission: 'kb.manage', key: 'e', group: '知识库',
    component: () => import('./screens/KbEntries.vue') },
  { path: '/kb/entry/:id', name: 'kb-entry', title: '知识条目', permission: 'kb.manage', key: null,
    group: '知识库', menu: false, component: () => import('./screens/KbEntry.vue') },
  { path: '/kb/review', name: 'kb-review', title: '审核发布', permission: 'kb.review', key: 'r',
    group: '知识库', component: () => import('./screens/KbReview.vue') },
  { path: '/kb/hit-test', name: 'kb-hit-test', title: '命中测试', permission: 'kb.test', key: 't',
    group: '知识库', component: () => import('./screens/KbHitTest.vue') },
  { path: '/kb/batch', name: 'kb-batch', title: '批量测试', permission: 'kb.test', key: 'b',
    group: '知识库', component: () => import('./screens/KbBatch.vue') },
  { path: '/kb/documents', name: 'kb-documents', title: '文档导入', permission: 'kb.edit', key: 'd',
    group: '知识库', component: () => import('./screens/KbDocuments.vue') },
  { path: '/kb/unanswered', name: 'kb-unanswered', title: '未解决问题', permission: 'kb.edit', key: 'q',
    group: '知识库', component: () => import('./screens/KbUnanswered.vue') },
  { path: '/users', name: 'users', title: '用户管理', permission: 'user.manage', key: 'u',
    group: '系统管理', component: () => import('./screens/Users.vue') },
  { path: '/apikeys', name: 'apikeys', title: 'API 密钥', permission: 'apikey.manage', key: 'k',
    group: '系统管理', component: () => import('./screens/ApiKeys.vue') },
  { path: '/audit', name: 'audit', title: '审计日志', permission: 'audit.read', key: 'a',
    group: '审计', component: () => import('./screens/Audit.vue') },
  { path: '/audit-verify', name: 'audit-verify', title: '审计校验', permission: 'audit.verify',
    key: 'v', group: '审计', component: () => import('./screens/AuditVerify.vue') },
];

// The menu's groups, in order.
export const groups = [null, '坐席', '工单', '外呼', '知识库', '系统管理', '审计'];

export function mayOpen(screen, me) {
  return !!me && Array.isArray(me.permissions) && me.permissions.includes(screen.permission);
}

// A path of this console to go to after signing in (never another site).
export function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
