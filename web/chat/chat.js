// The citizen chat page over the WebSocket GET /api/v1/conversations/ws (protocol:
// src/http/conversation_ws.h). No build step, no libraries, nothing from the network.
//
// - The conversation id is kept in sessionStorage: a reload (or a dropped connection) resumes
//   the same conversation; a new tab starts a new one.
// - 长辈模式 (适老化) is remembered in localStorage: large text, high contrast, one sentence a
//   line, shorter interface texts.
// - All text goes in with textContent: nothing from the server is parsed as HTML.
(function () {
  'use strict';

  var WS_PATH = '/api/v1/conversations/ws';
  var ID_KEY = 'zx.chat.conversation';
  // The conversation's token: the citizen's proof that the conversation is theirs (the id alone
  // opens nothing). Kept beside the id, for this tab only.
  var TOKEN_KEY = 'zx.chat.token';
  var ELDER_KEY = 'zx.chat.elder';

  var el = {
    root: document.documentElement,
    log: document.getElementById('log'),
    status: document.getElementById('status'),
    banner: document.getElementById('banner'),
    form: document.getElementById('composer'),
    input: document.getElementById('input'),
    send: document.getElementById('send'),
    suggest: document.getElementById('suggest'),
    human: document.getElementById('human'),
    end: document.getElementById('end'),
    restart: document.getElementById('restart'),
    elder: document.getElementById('elder'),
  };

  var TEXT = {
    connecting: '正在连接…',
    reconnecting: '网络连接中断，正在重新连接…',
    notReady: '正在连接，请稍候再发送。',
    placeholder: '请输入您的问题',
    placeholderElder: '请输入问题',
    you: '您',
    assistant: '智能助手',
    agent: '人工客服',
    typing: '正在回复',
    steps: '计算过程',
    notes: '说明',
    basis: '依据：',
    fullBasis: '查看政策原文',
    rule: '计算规则：',
    result: '结果：',
    ticket: '工单编号：',
    queued: function (n) { return '已为您转接人工，当前排队第' + n + '位'; },
    queuedElder: function (n) { return '已转人工。您排第' + n + '位。'; },
    agentJoined: function (name) { return '人工客服' + (name ? '（' + name + '）' : '') + '已接入'; },
    ended: '本次咨询已结束，感谢您的使用。',
    endedElder: '咨询已结束。谢谢您。',
    reference: function (r) { return '受理编号：' + r + '（查询进度时请提供）'; },
    rateAsk: '请您对本次服务做个评价：',
    ratings: ['满意', '基本满意', '不满意'],
    rated: function (r) { return r ? '感谢您的评价（' + r + '）。' : '感谢您的评价。'; },
    afterEnd: '如还有问题，可以直接输入，将为您开始新的咨询。',
    errors: {
      invalid_argument: '这条消息没能识别，请换个说法再试。',
      resource_exhausted: '内容太长了，请分几次发送（每次不超过2000字）。',
      failed_precondition: '本次咨询已结束，可以开始新的咨询。',
      not_found: '没有找到之前的咨询，已为您开始新的咨询。',
      key_missing: '之前的咨询记录暂时无法读取，请开始新的咨询。',
      unavailable: '服务暂时繁忙，请稍后再试，或拨打 12345。',
      rate_limited: '发送得太快了，请稍等几秒再发。',
      internal: '服务出了点问题，请稍后再试，或拨打 12345。',
    },
  };

  // ---- state -----------------------------------------------------------------------------

  var ws = null;
  var ready = false;        // attached to a conversation
  var retries = 0;
  var retryTimer = null;
  var conversationId = readSession(ID_KEY);
  var conversationToken = readSession(TOKEN_KEY);
  var state = 'active';
  var shownQueue = null;    // the queue position last announced in the log
  var shownEnd = false;     // the end notice is in the log
  var typing = null;        // the "正在回复" bubble
  var elder = readLocal(ELDER_KEY) === '1';

  // ---- storage (may be unavailable: private mode, disabled cookies) -------------------------

  function readSession(k) { try { return window.sessionStorage.getItem(k); } catch (e) { return null; } }
  function writeSession(k, v) {
    try {
      if (v === null) window.sessionStorage.removeItem(k); else window.sessionStorage.setItem(k, v);
    } catch (e) { /* not kept: a reload starts a new conversation */ }
  }
  function readLocal(k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } }
  function writeLocal(k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* ignore */ } }

  // ---- DOM helpers -----------------------------------------------------------------------

  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  // Paragraphs of `text`: one per line; in 长辈模式 also one per sentence.
  function fillText(container, text) {
    container.textContent = '';
    var lines = String(text || '').split(/\n+/);
    lines.forEach(function (line) {
      var parts = elder ? splitSentences(line) : [line];
      parts.forEach(function (part) {
        var t = part.trim();
        if (t !== '') container.appendChild(node('p', /^结果[：:]/.test(t) ? 'result' : null, t));
      });
    });
  }

  function splitSentences(line) {
    var out = [];
    var re = /[^。！？；!?;]+[。！？；!?;]*[”’"）)]*/g;
    var m;
    while ((m = re.exec(line)) !== null) out.push(m[0]);
    return out.length ? out : [line];
  }

  function scrollToEnd() {
    el.log.scrollTop = el.log.scrollHeight;
  }

  function append(n) {
    el.log.appendChild(n);
    scrollToEnd();
    return n;
  }

  // ---- messages ----------------------------------------------------------------------------

  function bubble(role, who, text) {
    var b = node('div', 'msg ' + role);
    b.appendChild(node('span', role === 'citizen' ? 'who sr-only' : 'who', who));
    var body = node('div', 'text');
    body.dataset.raw = String(text || '');
    fillText(body, text);
    b.appendChild(body);
    return b;
  }

  function addCitizen(text) {
    return append(bubble('citizen', TEXT.you + '说：', text));
  }

  function addAgent(text, name) {
    var who = TEXT.agent + (name ? ' · ' + name : '');
    return append(bubble('agent', who, text));
  }

  // The assistant's reply with what explains it. The reply text is shown as it is (the tone
  // the service chose included), with two changes of layout only: the lines that are
  // calculator steps become a numbered list where they stood (or under the text), and the
  // "依据：…" line goes to the footer with the citations.
  var BASIS_LINE = /^[（(]?\s*依据[：:]/;

  function addAssistant(text, reply) {
    reply = reply || {};
    var result = reply.result && typeof reply.result === 'object' ? reply.result : null;
    var steps = Array.isArray(reply.steps) && reply.steps.length ? reply.steps
      : (result && Array.isArray(result.steps) ? result.steps : []);
    var stepSet = {};
    steps.forEach(function (s) { stepSet[String(s).trim()] = true; });

    var b = node('div', 'msg assistant');
    b.appendChild(node('span', 'who', TEXT.assistant));
    var lines = String(text || '').split(/\n/);
    var basis = [];
    var chunk = [];
    var listed = false;
    function flush() {
      if (!chunk.length) return;
      var body = node('div', 'text');
      body.dataset.raw = chunk.join('\n');
      fillText(body, body.dataset.raw);
      b.appendChild(body);
      chunk = [];
    }
    lines.forEach(function (line) {
      var t = line.trim();
      if (BASIS_LINE.test(t)) {
        basis.push(t.replace(/^[（(]\s*/, '').replace(/\s*[）)]$/, ''));
      } else if (steps.length && stepSet[t]) {
        if (!listed) {
          flush();
          b.appendChild(stepsBox(steps));
          listed = true;
        }
      } else {
        chunk.push(line);
      }
    });
    flush();
    if (steps.length && !listed) b.appendChild(stepsBox(steps));

    if (reply.ticket && reply.ticket.id) {
      var t = TEXT.ticket + reply.ticket.id;
      if (reply.ticket.department) t += '（' + reply.ticket.department + '）';
      b.appendChild(node('p', 'ticket', t));
    }
    var footer = citeFooter(reply.citations, basis);
    if (footer) b.appendChild(footer);
    return append(b);
  }

  function stepsBox(steps) {
    var box = node('section', 'steps');
    var title = node('h3', null, TEXT.steps);
    title.id = 'steps-' + (++stepsSeq);
    box.setAttribute('aria-labelledby', title.id);
    box.appendChild(title);
    var ol = node('ol');
    steps.forEach(function (s) { ol.appendChild(node('li', null, s)); });
    box.appendChild(ol);
    return box;
  }
  var stepsSeq = 0;

  // "依据：《标题》" from the citations; the text's own 依据 line when it is short (it names the
  // issuing authority), or folded under "政策原文" when it is long.
  function citeFooter(citations, basis) {
    var cites = Array.isArray(citations) ? citations.filter(function (c) {
      return c && c.title;
    }) : [];
    if (!cites.length && !basis.length) return null;
    var footer = node('div', 'cite');
    var titles = cites.map(function (c) { return '《' + c.title + '》'; }).join('');
    var shortBasis = basis.length === 1 && basis[0].length <= 60 ? basis[0] : null;
    if (shortBasis) {
      footer.appendChild(node('p', null, shortBasis));
      return footer;
    }
    footer.appendChild(node('p', null, TEXT.basis + (titles || '')));
    if (basis.length) {
      var more = node('details', 'basis');
      more.appendChild(node('summary', null, TEXT.fullBasis));
      basis.forEach(function (line) { more.appendChild(node('p', null, line)); });
      footer.appendChild(more);
    }
    return footer;
  }

  function addNotice(text) {
    return append(node('p', 'notice', text));
  }

  // The end of a conversation, shown once: the notice, the 受理编号 and the satisfaction
  // buttons (满意 / 基本满意 / 不满意). The banner does not repeat it.
  function addEnd(reference) {
    var box = node('section', 'end-card');
    box.setAttribute('aria-label', TEXT.ended);
    box.appendChild(node('p', 'notice', elder ? TEXT.endedElder : TEXT.ended));
    if (reference) box.appendChild(node('p', 'reference', TEXT.reference(reference)));
    var rating = node('div', 'rating');
    rating.setAttribute('role', 'group');
    rating.appendChild(node('p', null, TEXT.rateAsk));
    TEXT.ratings.forEach(function (r) {
      var b = node('button', 'chip rate', r);
      b.type = 'button';
      b.dataset.rating = r;
      b.addEventListener('click', function () {
        if (sendFrame({ type: 'rate', rating: r })) {
          Array.prototype.forEach.call(rating.querySelectorAll('button'), function (x) {
            x.disabled = true;
          });
        }
      });
      rating.appendChild(b);
    });
    box.appendChild(rating);
    box.appendChild(node('p', 'hint', TEXT.afterEnd));
    return append(box);
  }

  function onRated(rating) {
    var groups = el.log.querySelectorAll('.end-card .rating');
    var last = groups[groups.length - 1];
    if (!last) return;
    last.textContent = '';
    last.appendChild(node('p', 'rated', TEXT.rated(rating)));
  }

  function showTyping() {
    hideTyping();
    typing = node('div', 'msg assistant typing');
    typing.setAttribute('aria-hidden', 'true');
    typing.appendChild(node('span', 'dots', TEXT.typing));
    append(typing);
  }

  function hideTyping() {
    if (typing && typing.parentNode) typing.parentNode.removeChild(typing);
    typing = null;
  }

  function clearLog() {
    hideTyping();
    el.log.textContent = '';
  }

  // ---- conversation state --------------------------------------------------------------------

  function setStatus(text) {
    if (el.status.textContent !== text) el.status.textContent = text;
  }

  function setBanner(text, kind) {
    if (!text) {
      el.banner.hidden = true;
      el.banner.textContent = '';
      return;
    }
    el.banner.hidden = false;
    el.banner.className = 'banner' + (kind ? ' ' + kind : '');
    if (el.banner.textContent !== text) el.banner.textContent = text;
  }

  function queueText(n) { return elder ? TEXT.queuedElder(n) : TEXT.queued(n); }

  // Applies a state from a reply, a state event or a resumed view. `announce` adds a notice
  // to the log when the citizen is first handed over.
  function applyState(next, position, agentName, announce) {
    state = next || state;
    if (state === 'queued') {
      var n = position > 0 ? position : 1;
      setBanner(queueText(n), null);
      // In the transcript too; the banner (a live region) is what screen readers announce.
      if (announce && shownQueue === null) addNotice(TEXT.queued(n)).setAttribute('aria-hidden', 'true');
      shownQueue = n;
    } else if (state === 'agent') {
      setBanner(TEXT.agentJoined(agentName), 'agent');
    } else {
      setBanner('', null);
    }
    var over = state === 'ended';
    el.restart.hidden = !over;
    el.human.hidden = over || state === 'queued' || state === 'agent';
    el.end.hidden = over;
  }

  function renderConversation(view) {
    clearLog();
    shownQueue = null;
    shownEnd = false;
    var turns = Array.isArray(view.turns) ? view.turns : [];
    var citizenSpoke = false;
    turns.forEach(function (t) {
      if (t.role === 'citizen') {
        citizenSpoke = true;
        addCitizen(t.text);
      } else if (t.role === 'agent') {
        addAgent(t.text, t.meta && t.meta.display);
      } else {
        addAssistant(t.text, t.meta);
      }
    });
    el.suggest.hidden = citizenSpoke;
    if (view.state === 'queued') shownQueue = view.queue_position || 1;
    applyState(view.state, view.queue_position, view.agent, false);
  }

  // ---- the socket -----------------------------------------------------------------------------

  function socketUrl() {
    return (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host +
      WS_PATH;
  }

  function sendFrame(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    if (ws) return;
    setStatus(retries === 0 ? TEXT.connecting : TEXT.reconnecting);
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.onopen = function () {
      if (conversationId && conversationToken) {
        sendFrame({ type: 'resume', id: conversationId, token: conversationToken });
      } else {
        sendFrame({ type: 'start', channel: 'web' });
      }
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === 'object') handle(frame);
    };
    socket.onclose = function () {
      if (ws !== socket) return;
      ws = null;
      ready = false;
      hideTyping();
      scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect() {
    if (retryTimer) return;
    setStatus(TEXT.reconnecting);
    var delay = Math.min(15000, 1000 * Math.pow(2, retries));
    retries += 1;
    retryTimer = window.setTimeout(function () { retryTimer = null; connect(); }, delay);
  }

  function startNew() {
    conversationId = null;
    conversationToken = null;
    writeSession(ID_KEY, null);
    writeSession(TOKEN_KEY, null);
    state = 'active';
    shownQueue = null;
    shownEnd = false;
    clearLog();
    setBanner('', null);
    if (!sendFrame({ type: 'start', channel: 'web' })) connect();
  }

  // A return visit's question (meta.notice) is the last turn of an ended conversation: it stays
  // open for the citizen's answer (1/2/3), which the server takes as the verdict.
  function awaitsVerdict(view) {
    var turns = Array.isArray(view.turns) ? view.turns : [];
    var last = turns[turns.length - 1];
    return !!(last && last.role === 'assistant' && last.meta && last.meta.notice === true);
  }

  function handle(frame) {
    switch (frame.type) {
      case 'started': {
        var view = frame.conversation || {};
        if (frame.resumed && view.state === 'ended' && !awaitsVerdict(view)) {
          startNew();  // a finished conversation is not carried on after a reload
          return;
        }
        conversationId = view.id || null;
        writeSession(ID_KEY, conversationId);
        if (frame.token) {
          conversationToken = frame.token;
          writeSession(TOKEN_KEY, conversationToken);
        }
        ready = true;
        retries = 0;
        setStatus('');
        renderConversation(view);
        return;
      }
      case 'reply': {
        hideTyping();
        if (frame.reply) addAssistant(frame.reply, frame);
        applyState(frame.state, frame.queue_position, null, !!frame.handoff ||
          frame.state === 'queued');
        return;
      }
      case 'agent':
        hideTyping();
        addAgent(frame.text, frame.agent);
        return;
      case 'state':
        applyState(frame.state, frame.queue_position, frame.agent, true);
        return;
      case 'summary':
        hideTyping();
        if (!shownEnd) addEnd(frame.reference);
        shownEnd = true;
        applyState('ended', 0, null, false);
        return;
      case 'rated':
        onRated(frame.rating);
        return;
      case 'error':
        onError(frame);
        return;
      default:
        return;  // pong and anything newer
    }
  }

  function onError(frame) {
    hideTyping();
    var code = frame.error && frame.error.code;
    if (frame['for'] === 'resume') {
      startNew();  // unknown or expired id: begin again
      return;
    }
    if (frame['for'] === 'rate') {
      // Already rated, or not ended: the buttons are of no more use.
      onRated('');
      return;
    }
    if ((code === 'failed_precondition' || code === 'key_missing') && frame['for'] === 'message' &&
        conversationId) {
      applyState('ended', 0, null, false);
    }
    addNotice(TEXT.errors[code] || TEXT.errors.internal);
  }

  // ---- input ----------------------------------------------------------------------------------

  function submit(text) {
    text = String(text || '').trim();
    if (!text) {
      el.input.focus();
      return;
    }
    if (!ready || !sendFrame({ type: 'message', text: text })) {
      setStatus(TEXT.notReady);
      if (!ws) connect();
      return;
    }
    el.suggest.hidden = true;
    addCitizen(text);
    if (state !== 'queued' && state !== 'agent') showTyping();
    el.input.value = '';
    grow();
  }

  function grow() {
    el.input.style.height = 'auto';
    el.input.style.height = el.input.scrollHeight + 4 + 'px';  // max-height in chat.css caps it
  }

  el.form.addEventListener('submit', function (e) {
    e.preventDefault();
    submit(el.input.value);
    el.input.focus();
  });

  el.input.addEventListener('keydown', function (e) {
    // Enter sends; Shift+Enter is a new line; Enter while an input method is composing a
    // Chinese word picks the word and must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit(el.input.value);
    }
  });
  el.input.addEventListener('input', grow);

  el.suggest.addEventListener('click', function (e) {
    var chip = e.target.closest('.chip');
    if (chip) submit(chip.textContent);
  });

  el.human.addEventListener('click', function () { submit('我要转人工'); });

  el.end.addEventListener('click', function () {
    if (ready) sendFrame({ type: 'end' });
  });

  el.restart.addEventListener('click', function () {
    startNew();
    el.input.focus();
  });

  // ---- 长辈模式 ---------------------------------------------------------------------------------

  function applyElder() {
    el.root.classList.toggle('elder', elder);
    el.elder.setAttribute('aria-pressed', elder ? 'true' : 'false');
    el.input.placeholder = elder ? TEXT.placeholderElder : TEXT.placeholder;
    // Re-flow what is shown: one sentence a line in 长辈模式.
    var bodies = el.log.querySelectorAll('.msg .text');
    Array.prototype.forEach.call(bodies, function (b) { fillText(b, b.dataset.raw); });
    if (state === 'queued' && shownQueue) setBanner(queueText(shownQueue), null);
    grow();
    scrollToEnd();
  }

  el.elder.addEventListener('click', function () {
    elder = !elder;
    writeLocal(ELDER_KEY, elder ? '1' : '0');
    applyElder();
  });

  // ---- start ----------------------------------------------------------------------------------

  window.addEventListener('online', function () { if (!ws) { retries = 0; connect(); } });
  window.addEventListener('resize', scrollToEnd);

  applyElder();
  connect();
})();
