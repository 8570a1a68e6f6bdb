// Keyboard shortcuts: `?` opens the shortcut sheet, `g` then a screen's letter (screens.js)
// goes to that screen, `/` focuses the screen's search or filter field. Not while typing in a
// field, and not with Ctrl, Alt or Meta (the browser's and the screen reader's own keys).
import { onBeforeUnmount, onMounted, ref } from 'vue';

const TYPING = 'input, textarea, select, [contenteditable=""], [contenteditable="true"]';

function dialogOpen() {
  return [...document.querySelectorAll('.el-overlay')].some((el) => el.getClientRects().length > 0);
}

export function useShortcuts({ openSheet, goTo }) {
  const pendingG = ref(false);
  let timer = 0;
  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    const target = e.target instanceof Element ? e.target : null;
    if (target && target.closest(TYPING)) return;
    if (dialogOpen()) return; // a dialog has the keyboard
    if (pendingG.value) {
      pendingG.value = false;
      clearTimeout(timer);
      if (/^[a-z]$/.test(e.key) && goTo(e.key)) e.preventDefault();
      return;
    }
    if (e.key === '?') {
      e.preventDefault();
      openSheet();
    } else if (e.key === 'g') {
      pendingG.value = true;
      timer = setTimeout(() => { pendingG.value = false; }, 1500);
    } else if (e.key === '/') {
      const field = document.querySelector('[data-shortcut-search] input, input[data-shortcut-search]');
      if (field) {
        e.preventDefault();
        field.focus();
      }
    }
  }
  onMounted(() => document.addEventListener('keydown', onKey));
  onBeforeUnmount(() => document.removeEventListener('keydown', onKey));
  return { pendingG };
}
