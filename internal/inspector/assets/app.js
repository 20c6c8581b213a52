// kwh inspector: the live list (Server-Sent Events), filters, keyboard
// navigation and the detail page's actions. Text goes in with textContent
// only: nothing received is ever parsed as HTML.
'use strict';
(() => {
  const base = '/inspector/';
  const token = document.querySelector('meta[name="kwh-token"]').content;
  const $ = (s) => document.querySelector(s);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  function globRe(g) {
    if (!/[*?[]/.test(g)) return null;
    const src = g.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    try { return new RegExp('^' + src + '$', 'i'); } catch { return null; }
  }

  function rowEl(r) {
    const a = el('a', 'row');
    a.href = base + 'events/' + r.id;
    a.id = 'row-' + r.id;
    a.setAttribute('role', 'listitem');
    Object.assign(a.dataset, { id: r.id, topic: r.topic, event: r.eventId, entity: r.entityId, state: r.state });
    const t = new Date(r.time);
    const time = el('span', 'time', t.toLocaleTimeString([], { hour12: false }));
    time.title = r.time;
    a.append(time, el('span', 'topic', r.topic), el('span', 'entity', r.entityId),
      el('span', 'event', r.eventId.slice(0, 8)),
      el('span', r.verified ? 'sig ok' : 'sig muted', r.verified ? '✓ valid' : 'not checked'),
      el('span', 'dup' + (r.duplicates ? ' warn' : ' muted'), r.duplicates ? '×' + r.duplicates : '–'));
    const fw = el('span', 'fwd');
    if (!r.forwards.length) fw.append(el('span', 'state s-' + r.state.replace(' ', '-'), r.state));
    for (const f of r.forwards) {
      const s = el('span', 'state s-' + f.state, f.text);
      s.title = f.target;
      fw.append(s);
    }
    a.append(fw);
    return a;
  }

  function initList() {
    const rows = $('#rows');
    const f = { topic: $('#f-topic'), event: $('#f-event'), entity: $('#f-entity'), state: $('#f-state') };
    const match = (r) => {
      const topic = f.topic.value.trim(), re = globRe(topic);
      if (topic && !(re ? re.test(r.dataset.topic) : r.dataset.topic.toLowerCase().includes(topic.toLowerCase()))) return false;
      if (f.event.value && !r.dataset.event.toLowerCase().replace(/-/g, '').includes(f.event.value.trim().toLowerCase().replace(/-/g, ''))) return false;
      if (f.entity.value && !r.dataset.entity.toLowerCase().includes(f.entity.value.trim().toLowerCase())) return false;
      return !f.state.value || r.dataset.state === f.state.value;
    };
    const apply = () => {
      let shown = 0;
      for (const r of rows.children) { r.hidden = !match(r); if (!r.hidden) shown++; }
      $('#empty').hidden = shown > 0;
    };
    for (const k in f) f[k].addEventListener('input', apply);

    const upsert = (r) => {
      const n = rowEl(r), old = document.getElementById(n.id);
      if (old) { old.replaceWith(n); } else {
        let next = null;
        for (const c of rows.children) if (+c.dataset.id < r.id) { next = c; break; }
        rows.insertBefore(n, next);
        n.classList.add('new');
      }
      n.hidden = !match(n);
      if (document.activeElement === old) n.focus();
      $('#empty').hidden = rows.querySelector('.row:not([hidden])') !== null;
    };
    const load = () => fetch(base + 'api/deliveries').then((res) => res.json()).then((list) => {
      rows.replaceChildren(...list.map(rowEl));
      $('#more').hidden = list.length < +$('.list').dataset.limit;
      apply();
    });
    document.addEventListener('keydown', (e) => {
      if (e.target.matches('input, select')) {
        if (e.key === 'Escape') e.target.blur();
        return;
      }
      const visible = [...rows.children].filter((r) => !r.hidden);
      const i = visible.indexOf(document.activeElement);
      if (e.key === 'j' || e.key === 'ArrowDown') { (visible[i + 1] || visible[0])?.focus(); e.preventDefault(); }
      if (e.key === 'k' || e.key === 'ArrowUp') { (visible[i - 1] || visible[0])?.focus(); e.preventDefault(); }
      if (e.key === '/') { f.topic.focus(); e.preventDefault(); }
    });
    const live = $('#live');
    if ($('meta[name="kwh-live"]').content !== 'true') return load(); // kwh inbox web: nothing arrives
    const es = new EventSource(base + 'api/stream');
    es.onopen = () => { live.dataset.state = 'on'; live.textContent = 'live'; load(); };
    es.onerror = () => { live.dataset.state = 'off'; live.textContent = 'reconnecting…'; };
    es.addEventListener('row', (e) => upsert(JSON.parse(e.data)));
    es.addEventListener('resync', load);
  }

  function initDetail() {
    for (const b of document.querySelectorAll('[data-show]')) {
      b.addEventListener('click', () => {
        for (const o of document.querySelectorAll('[data-show]')) {
          o.setAttribute('aria-selected', String(o === b));
          document.getElementById(o.dataset.show).hidden = o !== b;
        }
      });
    }
    for (const b of document.querySelectorAll('[data-copy]')) {
      b.addEventListener('click', () => {
        const t = document.getElementById(b.dataset.copy);
        const done = () => { b.textContent = 'copied'; };
        if (navigator.clipboard) navigator.clipboard.writeText(t.value).then(done, () => { t.select(); });
        else t.select();
      });
    }
    const rf = $('#reforward');
    if (rf) rf.addEventListener('click', () => {
      const out = $('#reforward-result');
      out.className = 'muted';
      out.textContent = 'sending…';
      rf.disabled = true;
      fetch(base + 'events/' + rf.dataset.id + '/reforward', {
        method: 'POST',
        headers: { 'X-Kwh-Token': token, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ target: $('#target').value }),
      }).then(async (res) => {
        if (!res.ok) throw new Error(await res.text());
        const r = await res.json();
        const ok = r.status === 200 && !r.error;
        out.className = ok ? 'ok' : 'bad';
        out.textContent = r.error ? '→ ' + r.error : '→ ' + r.status + ' in ' + Math.round(r.latencyMs) + ' ms';
      }).catch((err) => { out.className = 'bad'; out.textContent = String(err.message || err); })
        .finally(() => { rf.disabled = false; });
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.target.matches('input, select, textarea')) $('#back').click();
    });
    // Live: this event's state, duplicates and forwards follow the engine.
    const fw = $('#forwards');
    if ($('meta[name="kwh-live"]').content !== 'true') return;
    new EventSource(base + 'api/stream').addEventListener('row', (e) => {
      const r = JSON.parse(e.data);
      if (String(r.id) !== fw.dataset.id) return;
      const st = $('#state');
      st.textContent = r.state;
      st.className = 'state s-' + r.state.replace(' ', '-');
      $('#dups').textContent = r.duplicates || 'none';
      const ul = el('ul', 'targets');
      for (const f of r.forwards) {
        const li = el('li');
        li.append(el('span', 'state s-' + f.state, f.text), ' ' + f.target);
        ul.append(li);
      }
      fw.querySelector('.targets')?.replaceWith(ul);
      $('#stale').hidden = false;
    });
  }

  if ($('#rows')) initList();
  if ($('#signature')) initDetail();
})();
