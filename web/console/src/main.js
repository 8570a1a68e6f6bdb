// The staff console: Vue 3 + Element Plus (imported per component: vite.config.js), hash
// routing, the screens of screens.js. Runs under the server's CSP: no inline script or style.
import { createApp } from 'vue';
import 'element-plus/theme-chalk/base.css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import './theme.css';
import App from './App.vue';
import { router } from './router.js';
import { whenSessionOver } from './api.js';
import { endSession, session } from './session.js';

whenSessionOver(() => {
  if (!session.me) return; // not signed in anyway (a wrong password, a first check)
  endSession('expired');
  const here = router.currentRoute.value;
  if (!here.meta.public) router.replace({ name: 'login', query: { next: here.fullPath } });
});

createApp(App).use(router).mount('#app');
