// Review page for ai-crime-classifier. Plain ES module, no framework and no build step; served by the API server
// at /review with a strict Content-Security-Policy (no inline script or style), so every element is built with
// DOM calls and text is only ever set with textContent (a narrative can never inject markup).
//
// Authentication: the analyst pastes an API key; it is kept in sessionStorage (this tab only, gone when the tab
// closes) and sent as `Authorization: Bearer <key>`. In open mode (no keys configured, loopback only) no key is
// needed.

const KEY_STORAGE = 'aicc.apiKey';
const PAGE_SIZE = 50;
const STATUTE_NAMES = { 1028: '§ 1028 / 1028A', 1030: '§ 1030', 1343: '§ 1343 / 1349' };
const DECISION_WORDS = { accept: 'Accepted', reject: 'Rejected', add: 'Added', 'needs-legal-review': 'Needs legal review' };
const PRIORITY_WORDS = { sec4: 'AI + statute', statute: 'Statute', none: 'No statute' };

const state = {
  key: sessionStorage.getItem(KEY_STORAGE) || '',
  principal: null,
  reasonCodes: [],
  subsections: {},
  queue: [],
  nextCursor: undefined,
  index: -1,
  current: null,
  /** The statute or subsection the decision buttons act on: { statute, subsection }. */
  active: null,
  busy: false,
};

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

/** Creates an element: h('li', { className: 'x', dataset: { i: 1 }, onclick: f }, 'text', child…). */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'className' || k === 'textContent' || k === 'value' || k === 'type' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function say(message) {
  $('status').textContent = message;
}

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = !message;
}

function when(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '';
}

function targetName(t) {
  if (!t) return '—';
  return t.subsection ? `§ ${t.subsection}` : STATUTE_NAMES[t.statute] || `§ ${t.statute}`;
}

// ---- API -------------------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { Accept: 'application/json' };
  if (state.key) headers.Authorization = `Bearer ${state.key}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.ifMatch !== undefined) headers['If-Match'] = `"${options.ifMatch}"`;
  let res;
  try {
    res = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, data: { detail: 'The server cannot be reached.' } };
  }
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : { detail: await res.text() };
  return { ok: res.ok, status: res.status, data };
}

/** One line for a problem+json answer, with the failing fields. */
function problemText(data) {
  if (!data || typeof data !== 'object') return 'The request failed.';
  const fields = Array.isArray(data.errors) ? data.errors.map((e) => `${e.path || 'body'}: ${e.message}`).join('; ') : '';
  return [data.detail || data.title || 'The request failed.', fields && fields !== data.detail ? `(${fields})` : ''].join(' ').trim();
}

// ---- sign-in ---------------------------------------------------------------------------------------------

async function signIn() {
  showError('');
  const who = await api('/v1/keys/current');
  if (!who.ok) {
    state.principal = null;
    $('whoami').textContent = who.status === 401 ? 'Not signed in: paste an API key with the analyst role.' : problemText(who.data);
    $('queue-list').replaceChildren();
    if (who.status === 401) $('api-key').focus();
    return false;
  }
  state.principal = who.data;
  $('whoami').textContent = who.data.open
    ? 'Open mode: no API keys are configured; decisions are recorded as "open-mode".'
    : `Signed in as ${who.data.owner} (${who.data.role}).`;
  const [reasons, taxonomy] = await Promise.all([api('/v1/reason-codes'), api('/v1/taxonomy')]);
  if (reasons.ok) {
    state.reasonCodes = reasons.data.reasonCodes;
    $('reason').replaceChildren(
      h('option', { value: '' }, 'Choose a reason…'),
      ...state.reasonCodes.map((r) => h('option', { value: r.code }, r.code.replaceAll('_', ' ').toLowerCase())),
    );
  }
  if (taxonomy.ok) {
    for (const s of taxonomy.data.statutes) state.subsections[s.statute] = s.subsections.map((x) => ({ code: x.code, title: x.title }));
    fillSubsections();
  }
  await loadQueue(true);
  return true;
}

// ---- queue -----------------------------------------------------------------------------------------------

function queueQuery() {
  const form = new FormData($('filters'));
  const params = new URLSearchParams();
  for (const [k, v] of form.entries()) {
    const value = String(v).trim();
    if (!value) continue;
    if (k === 'receivedFrom' || k === 'receivedTo') params.set(k, `${value}T00:00:00Z`);
    else params.set(k, value);
  }
  params.set('limit', String(PAGE_SIZE));
  return params;
}

async function loadQueue(reset) {
  if (reset) {
    state.queue = [];
    state.nextCursor = undefined;
    state.index = -1;
  }
  const params = queueQuery();
  if (!reset && state.nextCursor) params.set('cursor', state.nextCursor);
  const r = await api(`/v1/cases?${params}`);
  if (!r.ok) {
    showError(problemText(r.data));
    return;
  }
  state.queue.push(...r.data.items);
  state.nextCursor = r.data.nextCursor;
  renderQueue();
  say(`${state.queue.length} case${state.queue.length === 1 ? '' : 's'} in the queue${state.nextCursor ? ' (more available)' : ''}.`);
}

function queueItem(c, i) {
  const badges = [
    h('span', { className: `badge ${c.priority}` }, PRIORITY_WORDS[c.priority] || c.priority),
    h('span', { className: `badge ${c.status}` }, c.status),
    c.hasDisagreement ? h('span', { className: 'badge disagree' }, 'rules disagree') : null,
  ];
  const statutes = c.suggested.length ? c.suggested.map((s) => `§ ${s}`).join(', ') : 'no suggestion';
  return h(
    'li',
    {},
    h(
      'button',
      { type: 'button', className: 'queue-item', dataset: { index: String(i) }, 'aria-current': i === state.index ? 'true' : 'false', onclick: () => void selectCase(i) },
      badges,
      h('strong', {}, c.externalId || c.id.slice(0, 8)),
      ` · ${statutes} · ${when(c.receivedAt)}`,
      h('span', { className: 'excerpt' }, c.excerpt),
    ),
  );
}

function renderQueue() {
  const list = $('queue-list');
  if (state.queue.length === 0) list.replaceChildren(h('li', { className: 'hint' }, 'No cases match these filters.'));
  else list.replaceChildren(...state.queue.map(queueItem));
  $('load-more').hidden = !state.nextCursor;
}

async function selectCase(i) {
  if (i < 0) return;
  if (i >= state.queue.length) {
    if (!state.nextCursor) {
      say('End of the queue.');
      return;
    }
    await loadQueue(false);
    if (i >= state.queue.length) return;
  }
  const summary = state.queue[i];
  const r = await api(`/v1/cases/${encodeURIComponent(summary.id)}`);
  if (!r.ok) {
    showError(problemText(r.data));
    return;
  }
  showError('');
  state.index = i;
  state.current = r.data;
  state.active = defaultTarget(r.data);
  renderQueue();
  document.querySelector(`.queue-item[data-index="${i}"]`)?.scrollIntoView({ block: 'nearest' });
  renderCase();
  say(`Case ${i + 1} of ${state.queue.length}${state.nextCursor ? '+' : ''}: ${summary.externalId || summary.id}.`);
}

// ---- case view -------------------------------------------------------------------------------------------

function labelFor(c, statute, subsection) {
  return c.labels.find((l) => l.statute === statute && l.subsection === (subsection || null));
}

/** The first suggestion without a decision, so a, a, a… walks through a case. */
function defaultTarget(c) {
  const open = c.classification.suggestions.find((s) => !c.labels.some((l) => l.statute === s.statute));
  const first = open || c.classification.suggestions[0];
  return first ? { statute: first.statute, subsection: null } : null;
}

function evidenceOfTarget(c, t) {
  if (!t) return [];
  const s = c.classification.suggestions.find((x) => x.statute === t.statute);
  if (!s) return [];
  if (!t.subsection) return s.evidence;
  const sub = s.subsections.find((x) => x.code === t.subsection);
  return sub ? sub.elements.flatMap((e) => e.evidence) : [];
}

/** Narrative with <mark>s over the merged spans; offsets are UTF-16 indices, as String.slice uses. */
function renderNarrative(spans) {
  const text = state.current.narrative;
  const sorted = spans
    .filter((s) => !s.negated && s.end > s.start)
    .map((s) => ({ start: s.start, end: s.end, rules: [s.rule] }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const merged = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) {
      last.end = Math.max(last.end, s.end);
      last.rules.push(...s.rules);
    } else merged.push({ ...s, rules: [...s.rules] });
  }
  const parts = [];
  let at = 0;
  for (const m of merged) {
    if (m.start > at) parts.push(text.slice(at, m.start));
    parts.push(h('mark', { title: [...new Set(m.rules)].join(', ') }, text.slice(m.start, m.end)));
    at = m.end;
  }
  parts.push(text.slice(at));
  $('narrative').replaceChildren(...parts);
}

/** Highlight `spans` while the pointer or focus is on `el`; fall back to the active target's evidence. */
function highlightOn(el, spans) {
  const show = () => renderNarrative(spans);
  const reset = () => renderNarrative(evidenceOfTarget(state.current, state.active));
  el.addEventListener('mouseenter', show);
  el.addEventListener('mouseleave', reset);
  el.addEventListener('focusin', show);
  el.addEventListener('focusout', reset);
}

/** One chip per stretch of text: spans inside a longer one already shown (same words, other rules) are folded into it. */
function chips(evidence) {
  const spans = evidence.filter((e) => !e.negated).sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [];
  for (const e of spans) {
    const outer = kept.find((k) => k.start <= e.start && e.end <= k.end);
    if (outer) outer.rules.add(e.rule);
    else kept.push({ start: e.start, end: e.end, text: e.text, rules: new Set([e.rule]) });
  }
  return kept.map((k) => h('span', { className: 'chip', title: [...k.rules].join(', ') }, `“${k.text}”`));
}

function labelText(l) {
  if (!l) return 'Not decided';
  const reason = l.reasonCode ? ` (${l.reasonCode})` : '';
  return `${DECISION_WORDS[l.decision]}${reason} by ${l.reviewer}`;
}

function renderSuggestion(c, s) {
  const isActive = state.active && state.active.statute === s.statute && !state.active.subsection;
  const label = labelFor(c, s.statute, null);
  const card = h('article', { className: `suggestion${isActive ? ' active' : ''}`, 'aria-label': `${s.citation} suggestion` });
  card.append(
    h(
      'div',
      { className: 'suggestion-head' },
      h(
        'button',
        {
          type: 'button',
          className: 'select',
          'aria-pressed': isActive ? 'true' : 'false',
          onclick: () => setActive({ statute: s.statute, subsection: null }),
        },
        `${s.citation} — ${s.title}`,
      ),
      h('span', {}, `score ${s.score.toFixed(2)}`),
      h('span', { className: `label-state ${label ? label.decision : ''}` }, labelText(label)),
    ),
  );
  for (const id of s.cautions) {
    const g = c.glossary.cautions[id];
    card.append(h('p', { className: 'caution' }, h('strong', {}, `Caution: ${g ? g.title : id}. `), g ? g.explanation : ''));
  }
  for (const sub of s.subsections) {
    const subActive = state.active && state.active.statute === s.statute && state.active.subsection === sub.code;
    const subLabel = labelFor(c, s.statute, sub.code);
    const heading = h(
      'h4',
      {},
      `§ ${sub.code} — ${sub.title} (score ${sub.score.toFixed(2)}) `,
      h(
        'button',
        { type: 'button', 'aria-pressed': subActive ? 'true' : 'false', onclick: () => setActive({ statute: s.statute, subsection: sub.code }) },
        subActive ? 'Deciding this subsection' : 'Decide this subsection',
      ),
      subLabel ? h('span', { className: `label-state ${subLabel.decision}` }, ` ${labelText(subLabel)}`) : null,
    );
    const list = h('ul', { className: 'checklist', 'aria-label': `Elements of § ${sub.code}` });
    for (const el of sub.elements) {
      const item = h(
        'li',
        { tabindex: '0' },
        el.satisfied ? h('span', { className: 'ok', 'aria-hidden': 'true' }, '✓ ') : h('span', { className: 'missing', 'aria-hidden': 'true' }, '✗ '),
        h('span', { className: 'visually-hidden' }, el.satisfied ? 'Satisfied: ' : 'Missing: '),
        el.label,
        ' ',
        chips(el.evidence),
      );
      highlightOn(item, el.evidence);
      list.append(item);
    }
    if (sub.elements.length === 0) list.append(h('li', { className: 'hint' }, 'The result lists no elements for this subsection.'));
    card.append(heading, list);
  }
  if (s.evidence.length === 0) card.append(h('p', { className: 'hint' }, 'This suggestion carries no evidence spans of its own; see the findings below.'));
  highlightOn(card.querySelector('.suggestion-head'), s.evidence);
  return card;
}

function renderFindings(c) {
  const ai = c.classification.ai;
  const atlas = (ids) => ids.map((id) => h('li', {}, h('span', { className: 'atlas' }, id), c.glossary.atlas[id] ? ` — ${c.glossary.atlas[id]}` : ''));
  const aiBox = h(
    'div',
    { className: 'finding', tabindex: '0' },
    h('p', {}, h('strong', {}, ai.involved ? 'AI involved' : 'No AI involvement found'), ` (score ${ai.score.toFixed(2)})`),
    ai.kinds.length ? h('p', {}, `Kinds: ${ai.kinds.join(', ')}`) : null,
    ai.atlas.length ? h('ul', { 'aria-label': 'MITRE ATLAS techniques' }, atlas(ai.atlas)) : null,
    h('p', {}, chips(ai.evidence)),
  );
  highlightOn(aiBox, ai.evidence);
  $('ai-finding').replaceChildren(aiBox);

  const xf = c.classification.exfiltration;
  const boxes = xf.patterns.map((p) => {
    const box = h(
      'div',
      { className: 'finding', tabindex: '0' },
      h('p', {}, h('strong', {}, p.label), ` (${p.id})`),
      p.atlas.length ? h('ul', { 'aria-label': 'MITRE ATLAS techniques' }, atlas(p.atlas)) : null,
      p.owasp.length ? h('p', {}, `OWASP: ${p.owasp.join(', ')}`) : null,
      h('p', {}, chips(p.evidence)),
    );
    highlightOn(box, p.evidence);
    return box;
  });
  $('exfil-finding').replaceChildren(
    h('p', {}, h('strong', {}, xf.flagged ? 'Flagged' : 'Not flagged'), ` (score ${xf.score.toFixed(2)})`),
    ...boxes,
  );
}

function renderCase() {
  const c = state.current;
  $('case-empty').hidden = true;
  $('case-body').hidden = false;
  $('case-title').textContent = `Case ${c.externalId || c.id}`;
  const meta = [
    ['Case id', c.id],
    ['External id', c.externalId || '—'],
    ['Source', c.source || '—'],
    ['Received', when(c.receivedAt)],
    ['Priority', PRIORITY_WORDS[c.priority] || c.priority],
    ['Status', c.status],
    ['Version', String(c.version)],
    ['Taxonomy version', c.taxonomyVersion],
  ];
  $('case-meta').replaceChildren(...meta.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

  const dis = $('disagreements');
  dis.hidden = c.disagreements.length === 0;
  dis.replaceChildren(
    h('strong', {}, 'The re-classified rules disagree with a reviewer: '),
    c.disagreements
      .map((d) => `${targetName(d)} was ${DECISION_WORDS[d.decision].toLowerCase()} on taxonomy ${d.decisionTaxonomyVersion} but is ${d.kind === 'suggested-but-rejected' ? 'suggested again' : 'no longer suggested'}`)
      .join('; '),
  );

  const sug = c.classification.suggestions;
  const candidates = c.classification.candidates;
  const below =
    candidates.length
      ? h(
          'div',
          {},
          h('h4', {}, 'Below the threshold (add one if the facts support it)'),
          h(
            'ul',
            {},
            candidates.map((cd) =>
              h(
                'li',
                {},
                `§ ${cd.code} (score ${cd.score.toFixed(2)}; missing: ${cd.missing.join(', ')}) `,
                h('button', { type: 'button', className: 'add', onclick: () => void decide('add', { statute: cd.statute, subsection: null }) }, `Add § ${cd.statute}`),
              ),
            ),
          ),
        )
      : null;
  $('suggestions').replaceChildren(
    ...(sug.length ? sug.map((s) => renderSuggestion(c, s)) : [h('p', { className: 'hint' }, 'The rules suggest no statute for this case.')]),
    ...(below ? [below] : []),
  );

  $('active-target').textContent = targetName(state.active);
  for (const id of ['btn-accept', 'btn-reject', 'btn-legal']) $(id).disabled = !state.active;
  renderFindings(c);
  $('history').replaceChildren(
    ...c.decisions.map((d) =>
      h('tr', {}, h('td', {}, when(d.decidedAt)), h('td', {}, d.reviewer), h('td', {}, targetName(d)), h('td', {}, DECISION_WORDS[d.decision]), h('td', {}, d.reasonCode || ''), h('td', {}, d.note || '')),
    ),
  );
  if (c.decisions.length === 0) $('history').replaceChildren(h('tr', {}, h('td', { colspan: '6' }, 'No decisions yet.')));
  renderNarrative(evidenceOfTarget(c, state.active));
}

function setActive(target) {
  state.active = target;
  renderCase();
}

// ---- decisions -------------------------------------------------------------------------------------------

async function decide(kind, target = state.active) {
  if (state.busy || !state.current) return;
  if (!target) {
    showError('Select a suggestion first (or add a statute).');
    return;
  }
  const reasonCode = $('reason').value;
  const note = $('note').value.trim();
  if (kind === 'reject' && !reasonCode) {
    showError('Choose a reason for rejecting, then press Reject (or r) again.');
    $('reason').focus();
    return;
  }
  const body = { statute: target.statute, decision: kind };
  if (target.subsection) body.subsection = target.subsection;
  if ((kind === 'reject' || kind === 'needs-legal-review') && reasonCode) body.reasonCode = reasonCode;
  if (note) body.note = note;
  state.busy = true;
  const c = state.current;
  const r = await api(`/v1/cases/${encodeURIComponent(c.id)}/decisions`, { method: 'POST', body, ifMatch: c.version });
  state.busy = false;
  if (r.status === 409 && r.data.current) {
    state.current = r.data.current;
    renderCase();
    showError(`Someone else changed this case first (now version ${r.data.current.version}). It is shown as it is now; decide again.`);
    return;
  }
  if (!r.ok) {
    showError(problemText(r.data));
    return;
  }
  showError('');
  state.current = r.data;
  state.queue[state.index] = { ...state.queue[state.index], status: r.data.status, version: r.data.version, hasDisagreement: r.data.hasDisagreement };
  $('note').value = '';
  $('reason').value = '';
  $('reason-help').textContent = '';
  state.active = kind === 'add' ? state.active : defaultTarget(r.data);
  renderQueue();
  renderCase();
  const next = r.data.status === 'reviewed' ? ' Case reviewed: press j for the next one.' : '';
  say(`${DECISION_WORDS[kind]} ${targetName(target)} as ${state.principal ? state.principal.owner : 'you'} (version ${r.data.version}).${next}`);
}

function fillSubsections() {
  const statute = $('add-statute').value;
  $('add-subsection').replaceChildren(
    h('option', { value: '' }, 'Whole statute'),
    ...(state.subsections[statute] || []).map((s) => h('option', { value: s.code }, `§ ${s.code} — ${s.title}`)),
  );
}

// ---- keyboard --------------------------------------------------------------------------------------------

function isTyping(el) {
  return el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (isTyping(e.target)) {
    if (e.key === 'Escape') {
      e.target.blur();
      $('case-view').focus();
    } else if (e.key === 'Enter' && e.target === $('reason') && $('reason').value) {
      e.preventDefault();
      void decide('reject');
    }
    return;
  }
  const actions = {
    j: () => selectCase(state.index + 1),
    k: () => selectCase(Math.max(0, state.index - 1)),
    a: () => decide('accept'),
    r: () => decide('reject'),
    l: () => decide('needs-legal-review'),
    n: () => $('note').focus(),
  };
  const act = actions[e.key];
  if (!act || (e.key !== 'j' && e.key !== 'k' && !state.current)) return;
  e.preventDefault();
  void act();
}

// ---- start -----------------------------------------------------------------------------------------------

function start() {
  $('api-key').value = '';
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.key = $('api-key').value.trim();
    $('api-key').value = '';
    if (state.key) sessionStorage.setItem(KEY_STORAGE, state.key);
    void signIn();
  });
  $('forget-key').addEventListener('click', () => {
    state.key = '';
    sessionStorage.removeItem(KEY_STORAGE);
    say('The key was removed from this tab.');
    void signIn();
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadQueue(true);
  });
  $('load-more').addEventListener('click', () => void loadQueue(false));
  $('btn-accept').addEventListener('click', () => void decide('accept'));
  $('btn-reject').addEventListener('click', () => void decide('reject'));
  $('btn-legal').addEventListener('click', () => void decide('needs-legal-review'));
  $('reason').addEventListener('change', () => {
    const r = state.reasonCodes.find((x) => x.code === $('reason').value);
    $('reason-help').textContent = r ? r.description : '';
  });
  $('add-statute').addEventListener('change', fillSubsections);
  $('add-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void decide('add', { statute: $('add-statute').value, subsection: $('add-subsection').value || null });
  });
  document.addEventListener('keydown', onKey);
  void signIn();
}

start();
