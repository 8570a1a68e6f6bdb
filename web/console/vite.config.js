// The staff console's build. The server's static route serves flat folders under a strict
// Content-Security-Policy (src/http/static_files.cc), so: relative base, every file at the top of
// dist/ (assetsDir ''), hash routing (src/router.js), no inline scripts or styles. The module
// preload polyfill is left out: every browser the console supports has modulepreload.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

export default defineConfig({
  base: './',
  plugins: [
    vue(),
    // <el-table> and friends are imported where they are used, with their stylesheets: only
    // what the screens use is built, and a lazy screen's components stay in its own chunk.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  build: {
    outDir: 'dist',
    assetsDir: '',
    emptyOutDir: true,
    target: 'es2020',
    cssCodeSplit: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0, // no data: URLs for fonts or scripts
    chunkSizeWarningLimit: 1200, // scripts/check-size.mjs checks the gzip sizes that matter
  },
});
