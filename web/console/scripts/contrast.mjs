// The theme's contrast (WCAG 2.1 AA): every text/background pair the screens use, read from the
// theme's CSS variables (src/theme.css), at least 4.5:1 for text and 3:1 for the edges of
// controls and for chart colours (1.4.11).
//
//   node scripts/contrast.mjs [src/theme.css] [--markdown]     exit 1 when a pair fails
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) || new URL('../src/theme.css', import.meta.url);
const markdown = args.includes('--markdown');
const css = readFileSync(file, 'utf8');
const vars = {};
for (const m of css.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) vars[m[1]] ??= m[2].toLowerCase();

const color = (c) => {
  const v = c.startsWith('--') ? vars[c] : c;
  if (!v) throw new Error(`${c} is not defined in ${file}`);
  return v;
};
const channel = (v) => {
  const s = v / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const luminance = (hex) => {
  const [r, g, b] = [1, 3, 5].map((i) => channel(parseInt(hex.slice(i, i + 2), 16)));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

const TEXT = 4.5;
const EDGE = 3;
// [what, foreground, background, minimum]
const pairs = [
  ['正文 body text', '--el-text-color-primary', '#ffffff', TEXT],
  ['正文 on the page background', '--el-text-color-primary', '--zx-bg', TEXT],
  ['次要文字 regular text', '--el-text-color-regular', '#ffffff', TEXT],
  ['说明文字 secondary text', '--el-text-color-secondary', '#ffffff', TEXT],
  ['说明文字 on the page background', '--el-text-color-secondary', '--zx-bg', TEXT],
  ['占位文字 placeholder', '--el-text-color-placeholder', '#ffffff', TEXT],
  ['主按钮 primary button', '#ffffff', '--el-color-primary', TEXT],
  ['主按钮悬停 primary button, hover', '#ffffff', '#0047bd', TEXT],
  ['主按钮按下 primary button, pressed', '#ffffff', '#003c9e', TEXT],
  ['链接 link', '--zx-link', '#ffffff', TEXT],
  ['主色标签/悬停 primary tag, button hover', '--el-color-primary', '--el-color-primary-light-9', TEXT],
  ['成功标签/提示 success tag, alert', '--el-color-success', '--el-color-success-light-9', TEXT],
  ['警告标签/提示 warning tag, alert', '--el-color-warning', '--el-color-warning-light-9', TEXT],
  ['危险标签/提示 danger tag, alert', '--el-color-danger', '--el-color-danger-light-9', TEXT],
  ['信息标签 info tag', '--el-color-info', '--el-color-info-light-9', TEXT],
  ['错误文字 form error', '--el-color-danger', '#ffffff', TEXT],
  ['成功按钮 success button', '#ffffff', '--el-color-success', TEXT],
  ['危险按钮 danger button', '#ffffff', '--el-color-danger', TEXT],
  ['顶栏 top bar', '--zx-topbar-text', '--zx-topbar', TEXT],
  ['当前菜单项 current menu item', '--zx-menu-current-text', '--zx-menu-current-bg', TEXT],
  ['输入框边框 input border', '--el-border-color', '#ffffff', EDGE],
  ['焦点框 focus ring', '--zx-focus', '#ffffff', EDGE],
  ['焦点框 on the page background', '--zx-focus', '--zx-bg', EDGE],
];

let failed = 0;
const rows = pairs.map(([what, fg, bg, min]) => {
  const r = ratio(color(fg), color(bg));
  const ok = r >= min;
  if (!ok) failed++;
  return { what, fg: color(fg), bg: color(bg), r, min, ok };
});
if (markdown) {
  console.log('| pair | text | background | contrast | needed |\n|---|---|---|---|---|');
  for (const x of rows) console.log(`| ${x.what} | ${x.fg} | ${x.bg} | ${x.r.toFixed(2)}:1 | ${x.min}:1 |`);
} else {
  for (const x of rows) {
    console.log(`${x.ok ? 'ok  ' : 'FAIL'} ${x.r.toFixed(2).padStart(5)}:1 (>= ${x.min}) ${x.fg} on ${x.bg}  ${x.what}`);
  }
}
process.exit(failed ? 1 : 0);
