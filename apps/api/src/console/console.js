// Lunas payments console. Plain browser JavaScript, no build step. Every value from the server
// is put in the page with textContent (never innerHTML), so data cannot become markup.
'use strict';

const state = { csrfToken: null, timelineOrder: null, source: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') {
      node.className = value;
    } else if (key.startsWith('data-')) {
      node.setAttribute(key, value);
    } else {
      node[key] = value;
    }
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child == null ? '' : String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const headers = { accept: 'application/json', ...(options.headers || {}) };
  if (options.method && options.method !== 'GET' && state.csrfToken) {
    headers['x-csrf-token'] = state.csrfToken;
  }
  const response = await fetch(path, { ...options, headers, credentials: 'same-origin' });
  if (response.status === 401) {
    location.assign(`/admin/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error('signed out');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok && response.status !== 202) {
    throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
  }
  return { status: response.status, body };
}

function age(seconds) {
  if (seconds == null) {
    return '';
  }
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${s % 60}s`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function money(amount, currency) {
  if (amount == null) {
    return '';
  }
  const n = Number(amount);
  return `${currency || 'IDR'} ${Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: 2 }) : amount}`;
}

const statusCell = (status) => el('td', { class: `status status-${status}`, 'data-role': 'status' }, status);

function orderLink(orderCode) {
  const link = el('a', { href: `#${encodeURIComponent(orderCode)}` }, orderCode);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void showTimeline(orderCode);
  });
  return el('td', {}, link);
}

function syncButton(orderCode) {
  const button = el(
    'button',
    { type: 'button', class: 'sync', 'data-order': orderCode },
    'Sync payment status',
  );
  button.addEventListener('click', () => void syncPayment(orderCode, button));
  return el('td', {}, button);
}

function fill(tbodyId, emptyId, rows) {
  const tbody = $(tbodyId);
  tbody.replaceChildren(...rows);
  $(emptyId).hidden = rows.length > 0;
}

async function loadStuck() {
  const minutes = Number($('stuck-minutes').value) || 0;
  const { body } = await api(`/admin/payments/stuck?olderThanMinutes=${minutes}&limit=200`);
  fill(
    'stuck-rows',
    'stuck-empty',
    body.payments.map((p) =>
      el(
        'tr',
        { 'data-order': p.orderCode, 'data-payment': p.paymentId },
        orderLink(p.orderCode),
        el('td', { class: 'num' }, money(p.amount, p.currency)),
        statusCell('PENDING'),
        el('td', { class: 'num' }, age(p.ageSeconds)),
        syncButton(p.orderCode),
      ),
    ),
  );
}

async function loadMismatches() {
  const { body } = await api('/admin/payments/mismatches?limit=200');
  fill(
    'mismatch-rows',
    'mismatch-empty',
    body.mismatches.map((m) =>
      el(
        'tr',
        { 'data-order': m.orderCode },
        orderLink(m.orderCode),
        el('td', { class: 'num' }, money(m.amountAtRisk, m.currency)),
        statusCell(m.paymentStatus),
        el('td', {}, m.kind),
        el('td', {}, m.midtransStatus || '—'),
        el('td', { class: 'num' }, age(m.ageSeconds)),
        syncButton(m.orderCode),
      ),
    ),
  );
}

async function loadDeadLetters() {
  const { body } = await api('/admin/payments/dead-letters?limit=200');
  fill(
    'dead-rows',
    'dead-empty',
    body.deadLetters.map((d) =>
      el(
        'tr',
        { 'data-order': d.orderCode || '' },
        d.orderCode ? orderLink(d.orderCode) : el('td', {}, '?'),
        el('td', { class: 'num' }, money(d.amount, 'IDR')),
        el('td', {}, d.midtransStatus || ''),
        el('td', { class: 'num' }, age(d.ageSeconds)),
        el('td', { class: 'num' }, d.attempts),
        el('td', {}, d.error),
        el('td', {}, retryButton(d.jobId)),
      ),
    ),
  );
}

function retryButton(jobId) {
  const button = el('button', { type: 'button', class: 'small retry' }, 'Retry');
  button.addEventListener('click', () => void retryDeadLetter(jobId, button));
  return button;
}

async function retryDeadLetter(jobId, button) {
  const reason = (window.prompt('Why retry this notification? (recorded in the audit log)') || '').trim();
  if (!reason) {
    return;
  }
  button.disabled = true;
  try {
    await api(`/admin/dead-letters/${encodeURIComponent(jobId)}/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: reason.slice(0, 500) }),
    });
    notice(`Job ${jobId} is back to waiting.`);
    await Promise.all([loadDeadLetters(), loadAudit()]);
  } catch (error) {
    notice(`Retry failed: ${error.message}`, true);
    button.disabled = false;
  }
}

async function loadUndeliveredEvents() {
  const { body } = await api('/admin/event-deliveries/exhausted?limit=200');
  fill(
    'undelivered-rows',
    'undelivered-empty',
    body.deliveries.map((d) =>
      el(
        'tr',
        { 'data-order': d.orderCode, 'data-event': d.eventId },
        orderLink(d.orderCode),
        el('td', {}, d.webhookId),
        el('td', {}, d.type),
        el('td', {}, d.exhaustedAt ? new Date(d.exhaustedAt).toLocaleString() : ''),
        el('td', { class: 'num' }, d.attempts),
        el('td', {}, d.error),
        el('td', {}, redeliverButton(d.eventId)),
      ),
    ),
  );
}

function redeliverButton(eventId) {
  const button = el('button', { type: 'button', class: 'small retry' }, 'Re-deliver');
  button.addEventListener(
    'click',
    () => void redeliver(`/admin/event-deliveries/${encodeURIComponent(eventId)}/redeliver`, {}, button),
  );
  return button;
}

async function redeliver(path, extra, button) {
  const reason = (window.prompt('Why re-deliver? (recorded in the audit log)') || '').trim();
  if (!reason) {
    return;
  }
  button.disabled = true;
  try {
    const { body } = await api(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: reason.slice(0, 500), ...extra }),
    });
    notice(`${body.redelivered.length} event(s) back on their way.`);
    await Promise.all([loadUndeliveredEvents(), loadAudit()]);
  } catch (error) {
    notice(`Re-delivery failed: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

async function loadAudit() {
  const { body } = await api('/admin/audit?limit=20');
  fill(
    'audit-rows',
    'audit-empty',
    body.entries.map((a) =>
      el(
        'tr',
        {},
        el('td', {}, new Date(a.at).toLocaleString()),
        el('td', {}, a.actor),
        el('td', {}, a.action),
        el('td', {}, a.target),
        el('td', {}, a.reason),
      ),
    ),
  );
}

function loadAll() {
  return Promise.all([
    loadStuck(),
    loadMismatches(),
    loadDeadLetters(),
    loadUndeliveredEvents(),
    loadAudit(),
  ]).catch((error) => notice(`Could not load: ${error.message}`, true));
}

function notice(text, isError = false) {
  const box = $('sync-result');
  box.textContent = text;
  box.className = isError ? 'notice error' : 'notice';
  box.hidden = false;
}

async function syncPayment(orderCode, button) {
  if (button) {
    button.disabled = true;
  }
  notice(`Asking Midtrans about ${orderCode}…`);
  try {
    const { status, body } = await api(`/admin/orders/${encodeURIComponent(orderCode)}/sync-payment`, {
      method: 'POST',
    });
    if (status === 202) {
      notice(
        `${orderCode}: the check is still running (job ${body.jobId}, ${body.state}); the tables update when it finishes.`,
      );
    } else if (body.updated) {
      notice(`${orderCode}: updated ${body.from} → ${body.to} (Midtrans: ${body.midtransStatus}).`);
    } else {
      notice(
        `${orderCode}: no change, ${body.to || body.from || 'unknown'} (Midtrans: ${body.midtransStatus || 'no answer'}, ${body.outcome}).`,
      );
    }
    if (state.timelineOrder === orderCode) {
      void showTimeline(orderCode);
    }
  } catch (error) {
    notice(`${orderCode}: sync failed: ${error.message}`, true);
  } finally {
    if (button) {
      button.disabled = false;
    }
  }
}

async function showTimeline(orderCode) {
  state.timelineOrder = orderCode;
  $('search-order').value = orderCode;
  try {
    const { body } = await api(`/admin/orders/${encodeURIComponent(orderCode)}/timeline`);
    $('timeline-order').textContent = orderCode;
    $('timeline-summary').textContent =
      `Order ${body.order.orderStatus}, ${money(body.order.amount, body.order.currency)}` +
      (body.payments.length === 0 ? ' · no payment row yet' : '');
    // Every payment (one per Midtrans transaction) with what went back.
    $('timeline-payments').replaceChildren(
      ...body.payments.map((p) =>
        el(
          'li',
          {},
          `payment ${p.paymentId} ${p.paymentStatus}${p.paymentMethod ? ` (${p.paymentMethod})` : ''}` +
            `${p.source === 'lunas' ? ', recorded by Lunas' : ''}, ${age(p.ageSeconds)} old` +
            (Number(p.refundedAmount) > 0
              ? ` · refunded ${money(p.refundedAmount, body.order.currency)}`
              : '') +
            (p.mismatchKind ? ` · mismatch: ${p.mismatchKind}` : ''),
          ...(p.refunds.length === 0
            ? []
            : [
                el(
                  'ul',
                  {},
                  ...p.refunds.map((r) =>
                    el(
                      'li',
                      {},
                      `${r.kind} ${money(r.amount, body.order.currency)}${r.refundKey ? ` (${r.refundKey})` : ''}` +
                        `${r.reason ? `: ${r.reason}` : ''}${r.refundedAt ? `, ${new Date(r.refundedAt).toLocaleString()}` : ''}` +
                        (r.bankConfirmedAt ? ', confirmed by the bank' : ', awaiting bank confirmation'),
                    ),
                  ),
                ),
              ]),
        ),
      ),
    );
    $('timeline-rows').replaceChildren(
      ...body.entries.map((e) =>
        el(
          'tr',
          {},
          el('td', { class: 'num' }, new Date(e.at).toLocaleString()),
          el('td', {}, e.source),
          el('td', {}, e.outcome + (e.reversal ? ' (reversal)' : '')),
          el('td', {}, `${e.fromStatus || '?'} → ${e.toStatus || '—'}`),
          el(
            'td',
            {},
            (e.midtransStatus || '') +
              (e.notifiedStatus && !e.notifiedStatus.startsWith(e.midtransStatus || '\u0000')
                ? ` (notification said ${e.notifiedStatus})`
                : '') +
              (e.refundedAmount ? ` · refunded ${money(e.refundedAmount, body.order.currency)} in all` : ''),
          ),
          el('td', {}, [e.reasonCode, e.reason].filter(Boolean).join(': ')),
        ),
      ),
    );
    if (body.entries.length === 0) {
      $('timeline-rows').replaceChildren(
        el(
          'tr',
          {},
          el('td', { colSpan: 6, class: 'muted' }, 'No notification or status check recorded yet.'),
        ),
      );
    }
    $('timeline').hidden = false;
  } catch (error) {
    $('timeline').hidden = true;
    notice(`${orderCode}: ${error.message}`, true);
  }
}

function onPaymentEvent(event) {
  const feed = $('feed');
  const time = new Date(event.at).toLocaleTimeString();
  const transition =
    event.outcome === 'applied'
      ? `${event.from} → ${event.to}`
      : `${event.outcome} (${event.from}${event.to ? `, Midtrans ${event.to}` : ''})`;
  feed.prepend(
    el(
      'li',
      { 'data-order': event.orderCode },
      el('time', {}, time),
      el('strong', {}, event.orderCode),
      ` ${transition}${event.reversal ? ' — reversal!' : ''}`,
    ),
  );
  while (feed.children.length > 50) {
    feed.lastChild.remove();
  }
  $('feed-empty').hidden = true;
  if (event.outcome === 'applied' && event.to && event.to !== 'PENDING') {
    // The payment left PENDING: show it in its row, then move it out of the Stuck table.
    for (const row of document.querySelectorAll('#stuck-rows tr')) {
      if (row.getAttribute('data-order') === event.orderCode) {
        const cell = row.querySelector('[data-role="status"]');
        cell.textContent = event.to;
        cell.className = `status status-${event.to}`;
        row.classList.add('resolved');
        setTimeout(() => {
          row.remove();
          $('stuck-empty').hidden = $('stuck-rows').children.length > 0;
        }, 8000);
      }
    }
    void loadMismatches().catch(() => undefined);
  }
  if (state.timelineOrder === event.orderCode) {
    void showTimeline(event.orderCode);
  }
}

function connectEvents() {
  const source = new EventSource('/admin/events');
  state.source = source;
  let wasDown = false;
  source.addEventListener('open', () => {
    $('live-status').textContent = 'live';
    $('live-status').className = 'pill on';
    // Events sent while we were away are gone (pub/sub); reload what they would have changed.
    if (wasDown) {
      void loadAll();
    }
    wasDown = false;
  });
  source.addEventListener('error', () => {
    wasDown = true;
    $('live-status').textContent = 'reconnecting…';
    $('live-status').className = 'pill off';
  });
  source.addEventListener('payment', (message) => onPaymentEvent(JSON.parse(message.data)));
}

async function start() {
  const params = new URLSearchParams(location.search);
  const { body } = await api('/admin/session');
  state.csrfToken = body.csrfToken;
  $('stuck-minutes').value = params.get('stuckMinutes') ?? String(body.stuckAfterMinutes);
  $('stuck-minutes').addEventListener('change', () => void loadStuck());
  $('refresh').addEventListener('click', () => void loadAll());
  $('redeliver-window').addEventListener('click', (event) => {
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3600 * 1000);
    void redeliver(
      '/admin/event-deliveries/redeliver',
      { exhaustedFrom: from.toISOString(), exhaustedTo: to.toISOString() },
      event.currentTarget,
    );
  });
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = $('search-order').value.trim();
    if (code) {
      void showTimeline(code);
    }
  });
  $('timeline-sync').addEventListener(
    'click',
    (event) => void syncPayment(state.timelineOrder, event.currentTarget),
  );
  $('logout').addEventListener('click', async () => {
    await fetch('/admin/logout', {
      method: 'POST',
      headers: { 'x-csrf-token': state.csrfToken || '' },
      credentials: 'same-origin',
    });
    location.assign('/admin/login');
  });
  connectEvents();
  await loadAll();
  if (location.hash.length > 1) {
    void showTimeline(decodeURIComponent(location.hash.slice(1)));
  }
  document.body.setAttribute('data-ready', 'true');
}

void start().catch((error) => notice(`Console failed to start: ${error.message}`, true));
