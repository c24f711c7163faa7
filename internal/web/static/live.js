// The Now page's live steps: follows /now/events (server-sent events fed
// from the run journal) and adds or updates one li per step in
// ol#live-steps. No framework, no inline script, no eval, no HTML parsing:
// every text goes in through textContent. Without it the page still
// shows the state it loaded with, and its Reload link.
(function () {
  'use strict';
  var section = document.getElementById('live');
  if (!section || !window.EventSource || !window.JSON) {
    return;
  }
  var statusLine = document.getElementById('live-status');
  var mode = document.getElementById('live-mode');
  var zone = section.getAttribute('data-zone');
  var known = { ok: 1, warn: 1, fail: 1, skipped: 1, postponed: 1, interrupted: 1, running: 1 };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }
  function clock(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ''; }
    var o = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    if (zone) { o.timeZone = zone; } // the installation's, as the page shows times
    try {
      return d.toLocaleTimeString('en-GB', o);
    } catch (e) {
      delete o.timeZone;
      return d.toLocaleTimeString('en-GB', o);
    }
  }
  function list(runID) {
    var ol = document.getElementById('live-steps');
    if (ol && ol.getAttribute('data-run-id') !== runID) {
      ol.parentNode.removeChild(ol);
      ol = null;
    }
    if (!ol) {
      var none = document.getElementById('no-live');
      if (none) { none.parentNode.removeChild(none); }
      ol = el('ol');
      ol.id = 'live-steps';
      ol.setAttribute('data-run-id', runID);
      statusLine.parentNode.insertBefore(ol, statusLine.nextSibling);
      statusLine.textContent = '';
      statusLine.appendChild(el('span', 'badge status-running', 'running'));
      statusLine.appendChild(document.createTextNode(' Run '));
      var a = el('a', '', runID);
      a.href = '/runs/' + encodeURIComponent(runID);
      statusLine.appendChild(a);
      statusLine.appendChild(document.createTextNode('.'));
    }
    return ol;
  }
  function onStep(ev) {
    var d = JSON.parse(ev.data);
    var key = d.phase + '/' + d.step;
    var ol = list(d.run_id);
    var li = null;
    for (var i = 0; i < ol.children.length; i++) {
      if (ol.children[i].getAttribute('data-step') === key) { li = ol.children[i]; break; }
    }
    if (!li) {
      li = el('li');
      li.setAttribute('data-step', key);
      ol.appendChild(li);
    }
    li.setAttribute('data-status', d.status);
    li.className = 'step-' + (known[d.status] ? d.status : 'other');
    li.textContent = '';
    li.appendChild(el('span', 'step-name', key));
    li.appendChild(document.createTextNode(' '));
    li.appendChild(el('span', 'step-status', d.status));
    li.appendChild(document.createTextNode(' '));
    var t = clock(d.started_at);
    if (d.finished_at) { t += '–' + clock(d.finished_at); }
    li.appendChild(el('span', 'step-time', t));
  }
  function onRun(ev) {
    var d = JSON.parse(ev.data);
    var cls = { ok: 1, warn: 1, fail: 1, rolled_back: 1 }[d.status] ? 'status-' + d.status : 'status-other';
    statusLine.textContent = '';
    statusLine.appendChild(el('span', 'badge ' + cls, d.status));
    statusLine.appendChild(document.createTextNode(' Run '));
    var a = el('a', '', d.run_id);
    a.href = '/runs/' + encodeURIComponent(d.run_id);
    statusLine.appendChild(a);
    statusLine.appendChild(document.createTextNode(' finished; its report is ready.'));
    var ol = document.getElementById('live-steps');
    if (ol) { ol.setAttribute('data-finished', d.status); }
  }
  var es = new EventSource('/now/events');
  es.addEventListener('step', onStep);
  es.addEventListener('run', onRun);
  es.addEventListener('open', function () { if (mode) { mode.textContent = '(live: steps appear as they run)'; } });
  es.addEventListener('error', function () { if (mode) { mode.textContent = '(live updates lost: reconnecting)'; } });
})();
