// Screens that follow their URL (a list's query, an entry's id) load again when it changes.
// Leaving a screen changes the route too, and the screen being left must not fetch for the next
// one (its id would be undefined there: a 404 and a console error). So: only while the route is
// still the screen's own.
import { watch } from 'vue';
import { useRoute } from 'vue-router';

// Calls `load` now and whenever `source(route)` changes while the route is this screen's. Its
// promise is returned to Vue, whose error handling shows a refusal (403: 无权访问).
export function onRouteChange(source, load) {
  const route = useRoute();
  const name = route.name;
  watch(() => (route.name === name ? source(route) : undefined),
    (value) => (value !== undefined ? load() : undefined), { immediate: true });
}
