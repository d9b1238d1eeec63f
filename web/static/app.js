// The order-tracking page. Everything the API returns is shown with
// textContent or as text nodes: order fields are typed by customers, so none
// of them may ever be parsed as HTML. Class names come from fixed tables,
// never from the API.
'use strict';

(() => {
  const TOKEN_KEY = 'orderflow.token';
  const RETRY_MS = 1000;
  const MAX_BACKOFF_MS = 30000;
  const NOT_FOUND_RETRIES = 3;
  const PAGE_SIZE = 10;

  // The happy path, and the terminal alternatives that end it early.
  const HAPPY = ['created', 'paid', 'shipped', 'notified'];
  const FAILURES = ['payment_failed', 'cancelled'];
  const TERMINAL = new Set(['notified', 'payment_failed', 'cancelled']);
  const CANCELLABLE = new Set(['created', 'paid']);
  const STATUS = {
    created: { label: 'Created', step: 'We received your order.' },
    paid: { label: 'Paid', step: 'Your payment went through.' },
    shipped: { label: 'Shipped', step: 'Your parcel is with the carrier.' },
    notified: { label: 'Notified', step: 'We sent you the shipping details.' },
    payment_failed: { label: 'Payment failed', step: 'The payment did not go through.' },
    cancelled: { label: 'Cancelled', step: 'The order was cancelled.' },
  };

  const $ = (id) => document.getElementById(id);
  const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  // The stages take seconds, not minutes: the timeline shows them.
  const preciseTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

  const state = {
    id: '', // the order being tracked
    gen: 0, // bumped whenever tracking starts over; stale events are dropped
    stream: null, // the tracked order's EventSource
    retryTimer: 0,
    failures: 0,
    shown: false, // whether the tracked order is on screen
    freshness: '', // what the page says of how current the order on screen is
    cursor: '', // next_cursor of My orders, for "Show more"
    listGen: 0,
    listToken: '', // the token My orders was opened with
    listStream: null,
    listTimer: 0,
    listFailures: 0,
    listBadges: new Map(), // order id -> its badge in My orders
  };

  class ApiError extends Error {
    constructor(status, message, retry) {
      super(message);
      this.status = status;
      this.retry = retry;
    }
  }

  // ---- small helpers -------------------------------------------------

  // el builds an element; strings among the children become text nodes.
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child !== null && child !== undefined && child !== '') node.append(child);
    }
    return node;
  }

  function statusInfo(status) {
    return Object.hasOwn(STATUS, status) ? STATUS[status] : { label: String(status || 'unknown'), step: '' };
  }

  function statusClass(status) {
    return Object.hasOwn(STATUS, status) ? 'badge--' + status : 'badge--unknown';
  }

  function setBadge(node, status) {
    node.classList.remove('badge--unknown', ...Object.keys(STATUS).map((s) => 'badge--' + s));
    node.classList.add('badge', statusClass(status));
    node.textContent = statusInfo(status).label;
  }

  function when(value, format = dateTime) {
    const d = new Date(value);
    return value && !Number.isNaN(d.getTime()) && d.getUTCFullYear() > 1 ? format.format(d) : '';
  }

  // money formats minor units (cents) in the currency, with its code.
  function money(minor, currency) {
    if (typeof minor !== 'number' || !Number.isFinite(minor)) return '—';
    try {
      const fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency, currencyDisplay: 'code' });
      return fmt.format(minor / 10 ** fmt.resolvedOptions().maximumFractionDigits);
    } catch {
      return (minor / 100).toFixed(2) + ' ' + String(currency || '');
    }
  }

  function show(id, visible) {
    $(id).hidden = !visible;
  }

  function backoff(failures) {
    return Math.min(RETRY_MS * 2 ** failures, MAX_BACKOFF_MS);
  }

  // ---- token ------------------------------------------------------------

  function token() {
    return $('token').value.trim();
  }

  function saveToken() {
    try {
      if (token()) sessionStorage.setItem(TOKEN_KEY, token());
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage may be off; the field still holds the token for this page.
    }
  }

  function loadToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  }

  // ---- the API ------------------------------------------------------------

  async function api(method, path) {
    const headers = { Accept: 'application/json, application/problem+json' };
    if (token()) headers.Authorization = 'Bearer ' + token();
    let res;
    try {
      res = await fetch(path, { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
    } catch {
      throw new ApiError(0, 'The order service cannot be reached right now.', true);
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (!res.ok) {
      // Errors are problem details (RFC 9457): detail is meant for people.
      const reason = body && typeof body.detail === 'string' && body.detail ? body.detail : 'HTTP ' + res.status;
      const retry = res.status === 429 || res.status >= 500;
      throw new ApiError(res.status, explain(res.status, reason), retry);
    }
    if (!body || typeof body !== 'object') throw new ApiError(res.status, 'The order service sent an answer this page does not understand.', true);
    return body;
  }

  // stream opens an event stream of the API. EventSource cannot send an
  // Authorization header, so the token goes in the query, which the API
  // accepts on its event streams only and never logs; the page sends no
  // Referer, so the address does not travel further.
  function stream(path, params = {}) {
    const query = new URLSearchParams({ ...params, access_token: token() });
    return new EventSource(path + '?' + query);
  }

  // parse reads an event's data, or null if it is not an object.
  function parse(ev) {
    try {
      const v = JSON.parse(ev.data);
      return v && typeof v === 'object' ? v : null;
    } catch {
      return null;
    }
  }

  function explain(status, reason) {
    switch (status) {
      case 401:
        return 'Not signed in: ' + reason + '. Check your access token.';
      case 404:
        return 'No order with this number is visible to you.';
      case 429:
        return 'Too many requests; slowing down.';
      default:
        return sentence(reason);
    }
  }

  function sentence(text) {
    const s = text.charAt(0).toUpperCase() + text.slice(1);
    return /[.!?]$/.test(s) ? s : s + '.';
  }

  // ---- tracking -----------------------------------------------------------

  function idFromHash() {
    const raw = location.hash.slice(1);
    try {
      return decodeURIComponent(raw).trim();
    } catch {
      return raw.trim();
    }
  }

  function track(id) {
    id = id.trim();
    if (!id) return;
    stopOrderStream();
    state.gen++;
    state.failures = 0;
    if (id !== state.id) {
      state.id = id;
      state.shown = false;
      show('order', false);
    }
    $('order-id').value = id;
    if (idFromHash() !== id) history.replaceState(null, '', '#' + encodeURIComponent(id));
    markSelected();
    if (!token()) {
      // A deep link opens before the customer has given a token: asking
      // the API without one could only be refused.
      state.shown = false;
      show('order', false);
      message('Paste your access token above to see order ' + id + '.');
      return;
    }
    if (!state.shown) message('Looking up order ' + id + ' …');
    openOrderStream(state.gen);
  }

  // openOrderStream follows the tracked order: the API sends it at once and
  // after every change, and ends the stream after a terminal status.
  function openOrderStream(gen) {
    const es = stream('/orders/' + encodeURIComponent(state.id) + '/events');
    state.stream = es;
    // A reconnect resumes after the last event, so nothing may come: the
    // order on screen is current again.
    es.onopen = () => {
      if (gen === state.gen && state.shown) $('order-refresh').textContent = state.freshness;
    };
    es.onmessage = (ev) => {
      const order = parse(ev);
      if (gen !== state.gen || !order) return;
      state.failures = 0;
      render(order);
      if (TERMINAL.has(order.status)) stopOrderStream();
    };
    es.onerror = () => {
      if (gen !== state.gen) return;
      if (es.readyState === EventSource.CONNECTING) {
        // The browser reconnects by itself, resuming after the last event.
        $('order-refresh').textContent = 'Reconnecting…';
        return;
      }
      stopOrderStream();
      diagnose(gen);
    };
  }

  function stopOrderStream() {
    clearTimeout(state.retryTimer);
    if (state.stream) state.stream.close();
    state.stream = null;
  }

  // diagnose learns why the API refused the stream, which EventSource does
  // not tell, with one plain request; it shows the answer, and opens the
  // stream again later when that can help.
  async function diagnose(gen) {
    let order;
    try {
      order = await api('GET', '/orders/' + encodeURIComponent(state.id));
    } catch (err) {
      if (gen === state.gen) failed(gen, err);
      return;
    }
    if (gen !== state.gen) return;
    render(order);
    if (!TERMINAL.has(order.status)) reopenLater(gen);
  }

  function reopenLater(gen) {
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(() => {
      if (gen === state.gen) openOrderStream(gen);
    }, backoff(state.failures++));
  }

  // failed shows why the order could not be read, and tries again later
  // when trying again can help. A new order takes a moment to reach the
  // API's views, so a link opened right after ordering may find nothing at
  // first: a 404 is tried again a few times.
  function failed(gen, err) {
    const retry = err.retry || (err.status === 404 && state.failures < NOT_FOUND_RETRIES);
    if (state.shown) {
      orderError(retry ? 'Could not refresh: ' + err.message + ' Retrying…' : err.message);
    } else {
      message(err.message + (retry ? ' Retrying…' : ''), true);
    }
    if (retry) reopenLater(gen);
    $('order-refresh').textContent = retry ? 'Reconnecting…' : 'Updates stopped';
  }

  function message(text, isError) {
    const node = $('order-message');
    node.textContent = text;
    node.className = isError ? 'message message--error' : 'message';
    node.hidden = false;
  }

  function orderError(text) {
    $('order-error').textContent = text;
    show('order-error', Boolean(text));
  }

  // ---- rendering an order -------------------------------------------------

  function render(order) {
    state.shown = true;
    show('order-message', false);
    show('order', true);
    orderError('');

    const info = statusInfo(order.status);
    const changes = Array.isArray(order.history) ? order.history : [];
    $('order-id-view').textContent = order.id;
    $('order-created').textContent = when(order.created_at) ? 'Placed ' + when(order.created_at) : '';
    setBadge($('order-status'), order.status);
    const outcome = lastChange(changes, order.status);
    state.freshness = TERMINAL.has(order.status)
      ? 'Final status' + (outcome && when(outcome.at) ? ' since ' + when(outcome.at, preciseTime) : '')
      : 'Live · updated ' + clock.format(new Date());
    $('order-refresh').textContent = state.freshness;
    document.title = order.id + ' · ' + info.label + ' · orderflow';

    renderNotice(order);
    renderTimeline(order, changes);
    renderItems(order);
    renderAddress(order.shipping_address || {});
    renderShipment(order.shipment);
    renderPayment(order.payment);

    show('cancel-row', CANCELLABLE.has(order.status) && !order.cancel_requested_at);
    const badge = state.listBadges.get(order.id);
    if (badge) setBadge(badge, order.status);
  }

  // lastChange is the latest change to status: a status reported again
  // (a retried payment, say) is shown at the time of its final outcome.
  function lastChange(changes, status) {
    return changes.findLast((change) => change && change.status === status);
  }

  // renderNotice explains a cancel request that did not end in a
  // cancellation, in the words of how the order did end.
  function renderNotice(order) {
    let text = '';
    const asked = order.cancel_requested_at ? 'You asked to cancel on ' + when(order.cancel_requested_at) : '';
    if (asked) {
      switch (order.status) {
        case 'cancelled':
          break;
        case 'shipped':
        case 'notified':
          text = asked + ', but the parcel had already left.';
          break;
        case 'payment_failed':
          // The API refuses a cancel after the payment failed: the request
          // came while the payment was still being tried.
          text = asked + ', while the payment was being tried. It did not go through, so nothing was charged and nothing will be sent.';
          break;
        default:
          text = asked + '. Waiting for confirmation…';
      }
    }
    $('order-notice').textContent = text;
    show('order-notice', Boolean(text));
  }

  function renderTimeline(order, changes) {
    const seen = new Set(changes.map((change) => change && change.status));
    const failure = FAILURES.find((s) => seen.has(s));
    const steps = [];
    for (const s of HAPPY) {
      if (failure && !seen.has(s)) break; // the failure ends the path here
      steps.push(s);
    }
    if (failure) steps.push(failure);
    $('timeline').replaceChildren(...steps.map((s) => timelineStep(s, lastChange(changes, s), order.status)));
  }

  function timelineStep(status, change, current) {
    let kind = 'pending';
    if (FAILURES.includes(status)) kind = 'failed';
    else if (change && status === current && !TERMINAL.has(status)) kind = 'current';
    else if (change) kind = 'done';
    const info = statusInfo(status);
    const body = el('div', 'step__body',
      el('div', 'step__title', info.label),
      el('div', 'step__text', change || kind === 'failed' ? info.step : 'Not yet'),
      change && change.reason ? el('div', 'step__reason', String(change.reason)) : null);
    const time = el('time', 'step__time', change ? when(change.at, preciseTime) : '');
    if (change && change.at) time.dateTime = String(change.at);
    return el('li', 'step step--' + kind, el('span', 'step__marker'), body, time);
  }

  function renderItems(order) {
    const items = Array.isArray(order.items) ? order.items : [];
    $('items').replaceChildren(...items.map((it) => el('tr', '',
      el('td', 'mono', String(it.sku)),
      el('td', 'num', String(it.quantity)),
      el('td', 'num', money(it.unit_price_cents, order.currency)),
      el('td', 'num', money(it.quantity * it.unit_price_cents, order.currency)))));
    $('total').textContent = money(order.total_cents, order.currency);
  }

  function renderAddress(a) {
    const lines = [a.name, a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' '), a.country];
    $('address').replaceChildren(...lines.filter(Boolean).map((line) => el('span', 'address__line', String(line))));
  }

  function renderShipment(shipment) {
    show('shipment-block', Boolean(shipment));
    if (!shipment) return;
    $('carrier').textContent = shipment.carrier || '—';
    $('tracking').textContent = shipment.tracking_number || '—';
  }

  function renderPayment(payment) {
    show('payment-block', Boolean(payment));
    if (!payment) return;
    $('paid-amount').textContent = money(payment.amount_cents, payment.currency);
    $('charge-id').textContent = payment.charge_id || '—';
    $('refund-note').textContent = payment.refunded
      ? 'Refunded: ' + money(payment.amount_cents, payment.currency) + ' is on its way back to you.'
      : '';
    show('refund-note', Boolean(payment.refunded));
  }

  // ---- cancelling -----------------------------------------------------------

  async function cancel() {
    const id = state.id;
    if (!id || !window.confirm('Cancel order ' + id + '?')) return;
    const button = $('cancel');
    button.disabled = true;
    try {
      const order = await api('POST', '/orders/' + encodeURIComponent(id) + '/cancel');
      // The stream brings what the stages decide; the answer shows the
      // request at once.
      if (id === state.id) render(order);
    } catch (err) {
      if (id === state.id) orderError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  // ---- My orders ----------------------------------------------------------

  // startMine follows the customer's newest orders: the API sends the first
  // page at once and again whenever one of them changes or a new one is
  // placed. Older pages are read once, on "Show more".
  function startMine() {
    stopMine();
    const gen = ++state.listGen;
    state.listToken = token();
    state.listFailures = 0;
    clearMine();
    if (!token()) {
      mineNote('Enter your access token to list your orders.');
      return;
    }
    mineNote('Loading…');
    openMineStream(gen, true);
  }

  function openMineStream(gen, first) {
    const es = stream('/orders/events', { limit: String(PAGE_SIZE) });
    state.listStream = es;
    es.onmessage = (ev) => {
      const page = parse(ev);
      if (gen !== state.listGen || !page) return;
      state.listFailures = 0;
      mergeMine(page, first);
      first = false;
    };
    es.onerror = () => {
      if (gen !== state.listGen || es.readyState === EventSource.CONNECTING) return;
      es.close();
      diagnoseMine(gen, first);
    };
  }

  function stopMine() {
    clearTimeout(state.listTimer);
    if (state.listStream) state.listStream.close();
    state.listStream = null;
  }

  // diagnoseMine is diagnose for My orders.
  async function diagnoseMine(gen, first) {
    const again = () => {
      state.listTimer = setTimeout(() => {
        if (gen === state.listGen) openMineStream(gen, first);
      }, backoff(state.listFailures++));
    };
    let page;
    try {
      page = await api('GET', '/orders?' + new URLSearchParams({ limit: String(PAGE_SIZE) }));
    } catch (err) {
      if (gen !== state.listGen) return;
      mineNote(err.message + (err.retry ? ' Retrying…' : ''));
      if (err.retry) again();
      return;
    }
    if (gen !== state.listGen) return;
    mergeMine(page, first);
    first = false;
    again();
  }

  // mergeMine shows a first page of orders: the first one replaces the
  // list; later ones update the badges and add new orders at the top,
  // leaving older pages the customer opened in place.
  function mergeMine(page, first) {
    const orders = Array.isArray(page.orders) ? page.orders : [];
    if (first) {
      clearMine();
      state.cursor = typeof page.next_cursor === 'string' ? page.next_cursor : '';
    }
    const fresh = [];
    for (const o of orders) {
      const badge = state.listBadges.get(o.id);
      if (badge) setBadge(badge, o.status);
      else fresh.push(mineItem(o));
    }
    $('mine').prepend(...fresh);
    afterMine();
  }

  async function showMoreMine() {
    const gen = state.listGen;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), cursor: state.cursor });
    let page;
    try {
      page = await api('GET', '/orders?' + query);
    } catch (err) {
      if (gen === state.listGen) mineNote(err.message);
      return;
    }
    if (gen !== state.listGen) return;
    for (const o of Array.isArray(page.orders) ? page.orders : []) {
      if (!state.listBadges.has(o.id)) $('mine').append(mineItem(o));
    }
    state.cursor = typeof page.next_cursor === 'string' ? page.next_cursor : '';
    afterMine();
  }

  function clearMine() {
    $('mine').replaceChildren();
    state.listBadges.clear();
    state.cursor = '';
    show('more-mine', false);
  }

  function afterMine() {
    show('more-mine', Boolean(state.cursor));
    mineNote($('mine').childElementCount ? '' : 'No orders yet.');
    markSelected();
  }

  function mineNote(text) {
    $('mine-message').textContent = text;
    show('mine-message', Boolean(text));
  }

  function mineItem(o) {
    const badge = el('span', 'badge');
    setBadge(badge, o.status);
    state.listBadges.set(o.id, badge);
    const button = el('button', 'mine__item',
      el('span', 'mine__row', el('span', 'mine__id mono', String(o.id)), badge),
      el('span', 'mine__row muted small', el('span', '', when(o.created_at)), el('span', '', money(o.total_cents, o.currency))));
    button.type = 'button';
    button.addEventListener('click', () => track(String(o.id)));
    const item = el('li', '', button);
    item.dataset.orderId = String(o.id);
    return item;
  }

  function markSelected() {
    for (const item of $('mine').children) {
      const button = item.firstElementChild;
      if (item.dataset.orderId === state.id) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  // ---- start ----------------------------------------------------------------

  // tokenChanged starts over with the token in the field: My orders, and
  // the order being tracked (a deep link waits here for its token).
  function tokenChanged() {
    saveToken();
    if (token() === state.listToken) return;
    startMine();
    if (state.id) track(state.id);
  }

  function init() {
    $('token').value = loadToken();
    $('track-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      saveToken();
      if (token() !== state.listToken) startMine();
      track($('order-id').value);
    });
    $('token').addEventListener('change', tokenChanged);
    $('forget-token').addEventListener('click', () => {
      $('token').value = '';
      tokenChanged();
    });
    $('cancel').addEventListener('click', cancel);
    $('more-mine').addEventListener('click', showMoreMine);
    window.addEventListener('hashchange', () => {
      const id = idFromHash();
      if (id && id !== state.id) track(id);
    });

    const id = idFromHash();
    if (id) track(id);
    startMine();
  }

  init();
})();
