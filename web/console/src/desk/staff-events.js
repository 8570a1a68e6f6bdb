// The workspace's one event stream: GET /api/v1/staff/events?watch=ID,ID (Server-Sent Events
// through the browser's EventSource, the session cookie). Events: "hello" first on every
// (re)connection (refetch everything), "queue" (the queue or my conversations changed),
// "conversation" {id, kind} (a watched conversation changed: refetch its turns after the last
// seq; kind "partial" carries {text}: what a caller is saying right now, shown, not refetched),
// "presence" (someone's presence changed), "campaign" {id} (a campaign's figures or state
// changed: refetch it; campaign.manage holders, at most once a second a campaign). The stream
// is opened again whenever the watched
// set changes (at most 10 ids), closed when the screen goes. After a refused or dropped stream
// the browser reconnects by itself; when it gives up (CLOSED) the stream is opened again in 3 s.
import { onBeforeUnmount, ref, watch } from 'vue';

export const MAX_WATCHED = 10;

function parse(m) {
  try {
    return m.data ? JSON.parse(m.data) : {};
  } catch {
    return {};
  }
}

// `watched()`: the ids to watch now; `handlers`: {hello, queue, conversation, presence,
// campaign}, each optional.
export function useStaffEvents(watched, handlers) {
  const status = ref('off'); // off | connecting | live | lost
  let source = null;
  let key = null;
  let retry = 0;
  let stopped = false;

  const ids = () => [...new Set(watched().filter(Boolean))].slice(0, MAX_WATCHED);

  function close() {
    clearTimeout(retry);
    if (source) source.close();
    source = null;
  }

  function open() {
    close();
    if (stopped) return;
    const list = ids();
    key = list.join(',');
    status.value = 'connecting';
    const es = new EventSource(`../api/v1/staff/events${list.length
      ? `?watch=${list.map(encodeURIComponent).join(',')}` : ''}`);
    source = es;
    const on = (name, fn) => es.addEventListener(name, (m) => {
      if (source !== es) return;
      status.value = 'live';
      if (fn) fn(parse(m));
    });
    on('hello', handlers.hello);
    on('queue', handlers.queue);
    on('conversation', handlers.conversation);
    on('presence', handlers.presence);
    on('campaign', handlers.campaign);
    es.onopen = () => { if (source === es) status.value = 'live'; };
    es.onerror = () => {
      if (source !== es) return;
      status.value = 'lost';
      if (es.readyState === EventSource.CLOSED) {
        clearTimeout(retry);
        retry = setTimeout(open, 3000);
      }
    };
  }

  watch(() => ids().join(','), (k) => {
    if (status.value !== 'off' && k !== key) open();
  });
  onBeforeUnmount(() => {
    stopped = true;
    close();
  });
  return { status, start: open, watchedKey: () => key };
}
