// THE screen table: every screen of the console is one row here and one file in screens/.
// `permission` is the policy-table permission the screen needs (the server's
// src/security/policy.cc, as GET /api/v1/auth/me lists it): the menu shows a screen only to a
// user who holds it, and opening it without it shows 无权访问. `key` is the letter of its
// `g` shortcut (g then the letter; the shortcut sheet, `?`, lists them). `group` is the menu's
// heading (null: at the top). docs/console.md says how to add a screen.
export const screens = [
  { path: '/', name: 'home', title: '首页', permission: 'session.self', key: 'h', group: null,
    component: () => import('./screens/Home.vue') },
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
export const groups = [null, '知识库', '系统管理', '审计'];

export function mayOpen(screen, me) {
  return !!me && Array.isArray(me.permissions) && me.permissions.includes(screen.permission);
}

// A path of this console to go to after signing in (never another site).
export function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
