// Hash routing (the server serves flat files: every screen is /console/#/path), built from the
// screen table (screens.js). Screens need a session; the sign-in does not.
import { createRouter, createWebHashHistory } from 'vue-router';
import { safeNext, screens } from './screens.js';
import { ensureSession } from './session.js';
import SignIn from './screens/SignIn.vue';
import NotFound from './screens/NotFound.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', name: 'login', component: SignIn, meta: { public: true, title: '登录' } },
    ...screens.map((s) => ({
      path: s.path, name: s.name, component: s.component, meta: { screen: s, title: s.title },
    })),
    { path: '/:rest(.*)*', name: 'not-found', component: NotFound, meta: { title: '页面不存在' } },
  ],
});

router.beforeEach(async (to) => {
  const me = await ensureSession();
  if (to.meta.public) return me && to.name === 'login' ? { path: safeNext(to.query.next) } : true;
  if (!me) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  return true;
});

router.afterEach((to) => {
  document.title = `${to.meta.title || '工作台'} · 智线工作台`;
});
