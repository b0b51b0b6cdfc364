// The dashboard's inline stylesheet and script. Nothing is loaded from the network.

export const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --border: #d0d7de; --panel: #f6f8fa; --accent: #0969da;
  --healthy-bg: #dafbe1; --healthy-fg: #116329;
  --progressing-bg: #ddf4ff; --progressing-fg: #0550ae;
  --degraded-bg: #fff8c5; --degraded-fg: #6f4400;
  --unhealthy-bg: #ffebe9; --unhealthy-fg: #a40e26;
  --unknown-bg: #f6f8fa; --unknown-fg: #424a53;
  --promoted: #1a7f37; --baking: #0969da; --waiting: #8c959f; --halted: #cf222e;
  --v0: #8250df; --v1: #0969da; --v2: #1a7f37; --v3: #9a6700; --v4: #bf3989; --v5: #57606a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23; --accent: #4493f8;
    --healthy-bg: #0f2a1b; --healthy-fg: #6fdd8b;
    --progressing-bg: #0c2449; --progressing-fg: #8cc8ff;
    --degraded-bg: #2e2410; --degraded-fg: #eac54f;
    --unhealthy-bg: #3a1518; --unhealthy-fg: #ff9492;
    --unknown-bg: #1c2128; --unknown-fg: #d1d7e0;
    --promoted: #3fb950; --baking: #4493f8; --waiting: #6e7681; --halted: #f85149;
    --v0: #ab7df8; --v1: #4493f8; --v2: #3fb950; --v3: #d29922; --v4: #db61a2; --v5: #9198a1;
  }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1rem; }
h1 { font-size: 1.6rem; margin: 0.2rem 0; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 0.6rem; border-bottom: 1px solid var(--border); padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
.muted, .note { color: var(--muted); }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; padding: 0; margin: 0.4rem 0; }
a { color: var(--accent); }
.alerts { border: 1px solid var(--halted); border-left-width: 6px; border-radius: 6px; padding: 0.4rem 1rem; background: var(--unhealthy-bg); color: var(--fg); }
.alerts h2 { border: 0; margin: 0.3rem 0; }
.alerts li { margin: 0.15rem 0; }
form.filters { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 0.5rem 0.8rem; margin-top: 1rem; }
form.filters .field { display: flex; flex-direction: column; }
form.filters label { font-size: 0.85rem; color: var(--muted); }
select, input, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: 0.15rem 0.4rem; }
button { cursor: pointer; }
.zones { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0.8rem; }
.zone-card { border: 1px solid var(--border); border-radius: 6px; padding: 0.5rem 0.8rem; background: var(--panel); }
.zone-card.warn { border-color: var(--halted); border-left-width: 6px; }
.zone-card h3 { margin: 0 0 0.3rem; }
.capbar { height: 12px; border-radius: 6px; background: var(--border); overflow: hidden; margin: 0.3rem 0; }
.capbar span { display: block; height: 100%; background: var(--promoted); }
.capbar.over span { background: var(--halted); }
.zone-card ul { margin: 0.3rem 0; padding-left: 1.1rem; }
details.region { border: 1px solid var(--border); border-radius: 6px; margin: 0.4rem 0; padding: 0.3rem 0.6rem; }
details.region > summary { cursor: pointer; font-weight: 600; }
.grid { list-style: none; margin: 0.4rem 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 0.4rem; }
.tile { border: 1px solid var(--border); border-left: 6px solid var(--vc, var(--border)); border-radius: 6px; padding: 0.3rem 0.5rem; display: flex; flex-direction: column; font-size: 0.88rem; }
.tile strong { font-size: 0.92rem; word-break: break-all; }
.h-healthy { background: var(--healthy-bg); } .h-healthy .hw { color: var(--healthy-fg); }
.h-progressing { background: var(--progressing-bg); } .h-progressing .hw { color: var(--progressing-fg); }
.h-degraded { background: var(--degraded-bg); } .h-degraded .hw { color: var(--degraded-fg); }
.h-unhealthy { background: var(--unhealthy-bg); } .h-unhealthy .hw { color: var(--unhealthy-fg); }
.h-unknown { background: var(--unknown-bg); } .h-unknown .hw { color: var(--unknown-fg); }
.hw { font-weight: 600; }
.v0 { --vc: var(--v0); } .v1 { --vc: var(--v1); } .v2 { --vc: var(--v2); } .v3 { --vc: var(--v3); } .v4 { --vc: var(--v4); } .v5 { --vc: var(--v5); }
.vdot { display: inline-block; width: 0.7em; height: 0.7em; border-radius: 50%; background: var(--vc); margin-right: 0.3em; vertical-align: baseline; }
.flag { font-weight: 600; color: var(--unhealthy-fg); }
.legend { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; font-size: 0.85rem; margin: 0.3rem 0; }
svg.waves { max-width: 100%; height: auto; }
svg.waves text { fill: var(--fg); font: 13px system-ui, sans-serif; }
svg.waves .track { fill: var(--border); }
svg.waves .promoted { fill: var(--promoted); } svg.waves .baking { fill: var(--baking); } svg.waves .waiting, svg.waves .promoting { fill: var(--waiting); } svg.waves .halted { fill: var(--halted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid var(--border); padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: var(--panel); position: sticky; top: 0; }
th button { border: 0; background: none; padding: 0; font-weight: 700; text-align: left; }
th[aria-sort="ascending"] button::after { content: " ▲"; } th[aria-sort="descending"] button::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev-error { color: var(--unhealthy-fg); font-weight: 700; } .sev-warning { color: var(--degraded-fg); font-weight: 700; }
.state-halted { color: var(--unhealthy-fg); font-weight: 700; }
code { font-size: 0.88em; }
footer { margin: 2rem auto; color: var(--muted); font-size: 0.85rem; }
[hidden] { display: none !important; }
`;

/** Sort and filter only: every fact is in the HTML already. */
export const DASHBOARD_SCRIPT = `
(function () {
  var form = document.getElementById('filters');
  var items = Array.prototype.slice.call(document.querySelectorAll('[data-filter]'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('[data-group]'));
  var count = document.getElementById('filter-count');
  var total = document.querySelectorAll('.tile[data-filter]').length;
  function apply() {
    var f = { region: form.region.value, wave: form.wave.value, version: form.version.value, status: form.status.value, q: form.q.value.trim().toLowerCase() };
    var shown = 0;
    items.forEach(function (el) {
      var d = el.dataset;
      var ok = (!f.region || d.region === f.region) && (!f.wave || d.wave === f.wave) &&
        (!f.version || (' ' + d.version + ' ').indexOf(' ' + f.version + ' ') >= 0) &&
        (!f.status || (' ' + d.status + ' ').indexOf(' ' + f.status + ' ') >= 0) && (!f.q || d.name.indexOf(f.q) >= 0);
      el.hidden = !ok;
      if (ok && el.classList.contains('tile')) shown++;
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector('[data-filter]:not([hidden])'); });
    var active = f.region || f.wave || f.version || f.status || f.q;
    count.textContent = active ? 'Showing ' + shown + ' of ' + total + ' stamps' : 'Showing all ' + total + ' stamps';
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  Array.prototype.forEach.call(document.querySelectorAll('th button[data-col]'), function (button) {
    button.addEventListener('click', function () {
      var th = button.parentNode, table = th.closest('table'), body = table.tBodies[0], col = Number(button.dataset.col);
      var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
      Array.prototype.forEach.call(table.querySelectorAll('th[aria-sort]'), function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir);
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) { var c = row.cells[col]; return c ? (c.dataset.v !== undefined ? c.dataset.v : c.textContent.trim()) : ''; };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), nx = Number(x), ny = Number(y);
        var r = (x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, undefined, { numeric: true });
        return dir === 'ascending' ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
})();
`;
