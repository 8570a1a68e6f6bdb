// The staff console: Vue 3 + Element Plus (imported per component: vite.config.js), hash
// routing, the screens of screens.js. Runs under the server's CSP: no inline script or style.
import { createApp } from 'vue';
import { ElMessage, ElMessageBox, provideGlobalConfig } from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
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

const app = createApp(App);
// zh-CN for every Element Plus component, also the messages and confirmation boxes, which are
// made outside App's tree (their install gives them the app's context).
provideGlobalConfig({ locale: zhCn }, app, true);
app.use(ElMessage).use(ElMessageBox).use(router).mount('#app');
