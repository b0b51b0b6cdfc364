// The report as one self-contained HTML dashboard: inline CSS, inline SVG, a small
// inline script for sorting and filtering. It makes no network request.
import type { FleetView, StampView, WaveView } from './model.ts';
import { formatPercent } from './view.ts';
import { analyticsHtml } from './analytics.ts';
import { DASHBOARD_CSS, DASHBOARD_SCRIPT } from './private/html-assets.ts';
import { describeWave, escapeHtml as h, generatedNote, plural, stampStatus, versionLabel } from './private/text.ts';

/** Options for the dashboard. */
export interface HtmlOptions {
  /**
   * A region with more stamps than this starts collapsed, as does the per-stamp version
   * matrix of a fleet with more stamps than ten times this.
   * @default 24
   */
  readonly collapseAbove?: number;
}

/** A drift list longer than this starts collapsed. */
const DRIFT_ROWS_OPEN = 50;

const STATUS_WORDS = ['healthy', 'progressing', 'degraded', 'unhealthy', 'unknown', 'straggler', 'draining'] as const;

export function renderHtml(view: FleetView, options: HtmlOptions = {}): string {
  const collapseAbove = options.collapseAbove ?? 24;
  const versionClass = new Map(view.releases.map((r, i) => [r, `v${i % 6}`]));
  const vc = (version: string | undefined) => (version !== undefined ? (versionClass.get(version) ?? 'v5') : 'v5');
  const regionOf = new Map(view.stamps.map((s) => [s.name, s]));
  const title = `Fleet report: ${view.fleetName}`;
  const sections = [
    alertsSection(view),
    filtersForm(view),
    summarySection(view),
    gridSection(view, collapseAbove, vc),
    rolloutSection(view),
    matrixSection(view, collapseAbove * 10, vc),
    driftSection(view, regionOf),
    view.base ? baseSection(view) : '',
    analyticsHtml(view),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<title>${h(title)}</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
<p class="note">${h(generatedNote(view))} · ${h(view.domain)}${view.healthSource ? ` · health source: ${h(view.healthSource)}` : ''}</p>
${view.healthNote ? `<p class="note health-note" role="note">${h(view.healthNote)}</p>` : ''}
<nav aria-label="Sections"><ul>
<li><a href="#summary">Fleet summary</a></li><li><a href="#stamps">Stamps by region</a></li><li><a href="#rollout">Rollout progress</a></li><li><a href="#matrix">Version matrix</a></li><li><a href="#drift">Drift findings</a></li>${view.base ? '<li><a href="#changes">Changes</a></li>' : ''}${view.analytics ? '<li><a href="#usage">Usage</a></li>' : ''}
</ul></nav>
</header>
<main>
${sections.filter(Boolean).join('\n')}
</main>
<footer><p>${h(generatedNote(view))}. Filters and sorting need JavaScript; every fact is in the page without it.</p></footer>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}

function alertsSection(view: FleetView): string {
  if (view.alerts.length === 0) return '';
  return `<section class="alerts" aria-labelledby="alerts-h"><h2 id="alerts-h">Needs attention</h2><ul>${view.alerts
    .map((a) => `<li>⚠ ${h(a)}</li>`)
    .join('')}</ul></section>`;
}

function filtersForm(view: FleetView): string {
  const regions = [...new Set(view.stamps.map((s) => s.region))].sort();
  const waves = view.waves.map((w) => String(w.wave));
  const select = (name: string, label: string, values: readonly string[], show: (v: string) => string = (v) => v) =>
    `<div class="field"><label for="f-${name}">${label}</label><select name="${name}" id="f-${name}"><option value="">All</option>${values
      .map((v) => `<option value="${h(v)}">${h(show(v))}</option>`)
      .join('')}</select></div>`;
  return `<form class="filters" id="filters" role="search" aria-label="Filter stamps">
${select('region', 'Region', regions)}
${select('wave', 'Wave', waves, (w) => `wave ${w}`)}
${select('version', 'Version', view.releases)}
${select('status', 'Status', STATUS_WORDS)}
<div class="field"><label for="f-q">Stamp name</label><input name="q" id="f-q" type="search" placeholder="contains…" autocomplete="off"></div>
<button type="reset">Clear filters</button>
<output id="filter-count" aria-live="polite">Showing all ${view.stamps.length} stamps</output>
</form>`;
}

function summarySection(view: FleetView): string {
  const t = view.totals;
  const cards = view.zones.map((z) => {
    const over = z.usedPercent > 80;
    const width = Math.min(100, z.usedPercent);
    return `<article class="zone-card${z.warnings.length > 0 ? ' warn' : ''}" aria-labelledby="zone-${h(z.zone)}">
<h3 id="zone-${h(z.zone)}">Zone ${h(z.zone)}</h3>
<p>${plural(z.stampCount, 'stamp')} in ${z.regions.map((r) => `${h(r.region)} (${r.stamps.length})`).join(', ') || 'no region'}</p>
<p><strong>${formatPercent(z.usedPercent)}</strong> of capacity used · ${z.usedUnits.toLocaleString('en-US')} / ${z.capacityUnits.toLocaleString('en-US')} units</p>
<div class="capbar${over ? ' over' : ''}" role="img" aria-label="Zone ${h(z.zone)}: ${formatPercent(z.usedPercent)} of capacity used"><span style="width:${width}%"></span></div>
<p>Tenants: ${z.tenants.active.toLocaleString('en-US')} active, ${z.tenants.suspended.toLocaleString('en-US')} suspended, ${z.tenants.unplaced.toLocaleString('en-US')} unplaced · most free on one stamp: ${z.largestFreeUnits} units</p>
${z.warnings.length > 0 ? `<ul>${z.warnings.map((w) => `<li class="flag">⚠ ${h(w)}</li>`).join('')}</ul>` : '<p>Room: ok</p>'}
</article>`;
  });
  return `<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h">Fleet summary</h2>
<p>${plural(t.stamps, 'stamp')} in ${plural(t.regions, 'region')} and ${plural(t.zones, 'residency zone')} · ${plural(t.tenants.active + t.tenants.suspended, 'tenant')}: ${t.tenants.active.toLocaleString('en-US')} active, ${t.tenants.suspended.toLocaleString('en-US')} suspended, ${t.tenants.unplaced.toLocaleString('en-US')} unplaced${view.unplacedAnyResidency > 0 ? ` (${view.unplacedAnyResidency.toLocaleString('en-US')} of residency any)` : ''}.</p>
<div class="zones">${cards.join('\n')}</div>
</section>`;
}

function filterAttrs(s: StampView): string {
  const versions = [...new Set([s.declaredVersion, s.observedVersion].filter((v): v is string => v !== undefined))].join(' ');
  const statuses = [
    ...new Set([stampStatus(s), s.health, ...(s.straggler ? ['straggler'] : []), ...(s.status === 'draining' ? ['draining'] : [])]),
  ].join(' ');
  return `data-filter data-name="${h(s.name)}" data-region="${h(s.region)}" data-wave="${s.wave}" data-version="${h(versions)}" data-status="${h(statuses)}"`;
}

function gridSection(view: FleetView, collapseAbove: number, vc: (v: string | undefined) => string): string {
  const byName = new Map(view.stamps.map((s) => [s.name, s]));
  const legend = `<div class="legend" aria-label="Legend"><span>Background: health (word shown on each tile)</span>${view.releases
    .map((r) => `<span class="${vc(r)}"><span class="vdot"></span>${h(r)}</span>`)
    .join('')}<span>(left edge: declared version)</span></div>`;
  const zones = view.zones
    .filter((z) => z.stampCount > 0)
    .map((z) => {
      const regions = z.regions.map((r) => {
        const stamps = r.stamps.map((n) => byName.get(n)!);
        const counts = new Map<string, number>();
        for (const s of stamps) counts.set(s.health, (counts.get(s.health) ?? 0) + 1);
        // Without a health source every stamp is unknown: the note at the top says so once.
        const countText =
          view.healthSource === undefined
            ? ''
            : `: ${[...counts]
                .sort((a, b) => a[0].localeCompare(b[0]))
                .map(([w, n]) => `${n} ${w}`)
                .join(', ')}`;
        const tiles = stamps.map((s) => tile(s, vc, view.healthSource !== undefined)).join('');
        const open = stamps.length <= collapseAbove ? ' open' : '';
        return `<details class="region" data-group${open}><summary>${h(r.region)} — ${plural(stamps.length, 'stamp')}${h(countText)}</summary><ul class="grid">${tiles}</ul></details>`;
      });
      return `<section class="zone" data-group aria-labelledby="grid-${h(z.zone)}"><h3 id="grid-${h(z.zone)}">Zone ${h(z.zone)}</h3>${regions.join('\n')}</section>`;
    });
  return `<section id="stamps" aria-labelledby="stamps-h">
<h2 id="stamps-h">Stamps by region</h2>
${legend}
${zones.join('\n')}
</section>`;
}

function tile(s: StampView, vc: (v: string | undefined) => string, observed: boolean): string {
  const flags = [
    s.straggler ? 'straggler' : '',
    s.driftErrors.length > 0 ? 'drift error' : '',
    s.excluded !== undefined ? `excluded: ${s.excluded}` : '',
    s.status === 'draining' ? 'draining' : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const message = s.healthMessage ? ` title="${h(s.healthMessage)}"` : '';
  const load = `${plural(s.tenantCount, 'tenant')} · ${s.usedUnits.toLocaleString('en-US')}/${s.capacityUnits.toLocaleString('en-US')} units`;
  return `<li class="tile h-${s.health} ${vc(s.declaredVersion)}" ${filterAttrs(s)}${message}><strong>${h(s.name)}</strong><span>${h(versionLabel(s))} · wave ${s.wave}</span><span class="load">${load}</span>${observed ? `<span class="hw">${s.health}</span>` : ''}${flags ? `<span class="flag">${h(flags)}</span>` : ''}${s.dedicatedTo ? `<span class="note">dedicated to ${h(s.dedicatedTo)}</span>` : ''}</li>`;
}

function rolloutSection(view: FleetView): string {
  const intro = !view.targetVersion
    ? 'No stamps, so no rollout.'
    : view.rolloutSource === 'rollout-state'
      ? `Target <strong>${h(view.targetVersion)}</strong>, from the rollout state${view.allowDowngrade ? ' (a downgrade, started with --allow-downgrade)' : ''}.`
      : `No rollout in progress (no rollout.yaml). The newest release in the catalog is <strong>${h(view.releases.at(-1) ?? '')}</strong>${
          view.releases.at(-1) !== view.targetVersion
            ? `; start it with <code>stampyard rollout start ${h(view.releases.at(-1) ?? '')}</code>`
            : ', and the fleet declares it'
        }. Waves below are measured against <strong>${h(view.targetVersion)}</strong>, the highest version a stamp file declares.`;
  const rows = view.waves
    .map(
      (w) =>
        `<tr><th scope="row">Wave ${w.wave}</th><td class="state-${w.state}">${h(describeWave(w))}</td><td class="num" data-v="${w.onTarget}">${w.onTarget} / ${w.stampCount}</td></tr>`,
    )
    .join('');
  return `<section id="rollout" aria-labelledby="rollout-h">
<h2 id="rollout-h">Rollout progress</h2>
<p>${intro}</p>
${waveChart(view.waves)}
<div class="table-wrap"><table><caption class="muted">Waves: state and stamps on the target</caption><thead><tr><th scope="col">Wave</th><th scope="col">State</th><th scope="col">On target</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

/** Horizontal bars, one per wave: the share of stamps on the target, coloured by state, labelled in text. */
function waveChart(waves: readonly WaveView[]): string {
  const rowHeight = 30;
  const height = Math.max(1, waves.length) * rowHeight + 10;
  const barX = 80;
  const barWidth = 360;
  const bars = waves.map((w, i) => {
    const y = 5 + i * rowHeight;
    const fill = w.stampCount === 0 ? 0 : Math.round((w.onTarget / w.stampCount) * barWidth);
    return `<g><text x="0" y="${y + 17}">Wave ${w.wave}</text><rect class="track" x="${barX}" y="${y + 4}" width="${barWidth}" height="16" rx="4"/><rect class="${w.state}" x="${barX}" y="${y + 4}" width="${Math.max(fill, w.state === 'halted' ? 4 : 0)}" height="16" rx="4"/><text x="${barX + barWidth + 10}" y="${y + 17}">${h(shortWave(w))}</text></g>`;
  });
  return `<svg class="waves" role="img" aria-labelledby="waves-title" viewBox="0 0 900 ${height}" width="900" height="${height}"><title id="waves-title">Wave progress: ${h(
    waves.map((w) => `wave ${w.wave} ${shortWave(w)}`).join('; '),
  )}</title>${bars.join('')}</svg>`;
}

function shortWave(w: WaveView): string {
  const text = describeWave(w);
  const clipped = text.length > 48 ? `${text.slice(0, 47)}…` : text;
  return `${clipped} · ${w.onTarget}/${w.stampCount} on target`;
}

function sortableHead(columns: readonly string[]): string {
  return `<thead><tr>${columns
    .map((c, i) => `<th scope="col"><button type="button" data-col="${i}">${h(c)}</button></th>`)
    .join('')}</tr></thead>`;
}

function matrixSection(view: FleetView, collapseAbove: number, vc: (v: string | undefined) => string): string {
  const observed = view.healthSource !== undefined;
  const counts = view.waves
    .map((w) => {
      const inWave = view.stamps.filter((s) => s.wave === w.wave);
      const cells = view.releases.map((r) => {
        const declared = inWave.filter((s) => s.declaredVersion === r).length;
        const seen = inWave.filter((s) => s.observedVersion === r).length;
        return `<td class="num">${observed ? `${declared} / ${seen}` : declared}</td>`;
      });
      return `<tr><th scope="row">Wave ${w.wave}</th>${cells.join('')}</tr>`;
    })
    .join('');
  const columns = ['Stamp', 'Region', 'Wave', 'Target', 'Declared', ...(observed ? ['Observed', 'Health'] : []), ...view.releases];
  const rows = view.stamps
    .map((s) => {
      const marks = view.releases.map((r) => {
        const m = [s.declaredVersion === r ? 'declared' : '', s.observedVersion === r ? 'observed' : ''].filter(Boolean).join(', ');
        return `<td class="${m ? vc(r) : ''}">${m ? `<span class="vdot"></span>${m}` : ''}</td>`;
      });
      return `<tr ${filterAttrs(s)}><th scope="row">${h(s.name)}${s.straggler ? ' <span class="flag">straggler</span>' : ''}</th><td>${h(s.region)}</td><td class="num">${s.wave}</td><td>${h(view.targetVersion ?? '')}</td><td>${h(s.declaredVersion)}</td>${
        observed
          ? `<td>${h(s.observedVersion ?? 'not observed')}</td><td class="h-${s.health}"><span class="hw">${s.health}</span></td>`
          : ''
      }${marks.join('')}</tr>`;
    })
    .join('\n');
  const table = `<div class="table-wrap"><table class="matrix"><caption class="muted">Every stamp's declared${observed ? ' and observed' : ''} version against the release catalog; click a header to sort</caption>${sortableHead(columns)}<tbody>
${rows}
</tbody></table></div>`;
  const big = view.stamps.length > collapseAbove;
  return `<section id="matrix" aria-labelledby="matrix-h">
<h2 id="matrix-h">Version matrix</h2>
<div class="table-wrap"><table><caption class="muted">Stamps per wave and release${observed ? ' (declared / observed)' : ''}</caption><thead><tr><th scope="col">Wave</th>${view.releases
    .map((r) => `<th scope="col">${h(r)}${r === view.targetVersion ? ' (target)' : ''}</th>`)
    .join('')}</tr></thead><tbody>${counts}</tbody></table></div>
${big ? `<details><summary>Every stamp (${view.stamps.length.toLocaleString('en-US')})</summary>${table}</details>` : table}
</section>`;
}

function driftSection(view: FleetView, stamps: ReadonlyMap<string, StampView>): string {
  if (view.drift.length === 0) {
    return `<section id="drift" aria-labelledby="drift-h"><h2 id="drift-h">Drift findings</h2><p>No drift found.</p></section>`;
  }
  const rows = view.drift
    .map((d) => {
      const s = d.stamp !== null ? stamps.get(d.stamp) : undefined;
      const attrs = s ? filterAttrs(s) : '';
      return `<tr ${attrs}><td class="sev-${d.severity}" data-v="${d.severity === 'error' ? 0 : 1}">${d.severity}</td><th scope="row">${h(d.stamp ?? 'fleet-wide')}</th><td>${h(d.kind)}</td><td>${h(d.message)}</td></tr>`;
    })
    .join('\n');
  const errors = view.drift.filter((d) => d.severity === 'error').length;
  const table = `<div class="table-wrap"><table class="drift">${sortableHead(['Severity', 'Stamp', 'Kind', 'Finding'])}<tbody>
${rows}
</tbody></table></div>`;
  return `<section id="drift" aria-labelledby="drift-h">
<h2 id="drift-h">Drift findings</h2>
<p>${plural(errors, 'error')}, ${plural(view.drift.length - errors, 'warning')}. Fleet-wide findings stay visible whatever the filter.</p>
${view.drift.length > DRIFT_ROWS_OPEN ? `<details><summary>Every finding (${view.drift.length.toLocaleString('en-US')})</summary>${table}</details>` : table}
</section>`;
}

function baseSection(view: FleetView): string {
  const base = view.base!;
  const { before, after } = base.routingRevision;
  const stampRows = base.stamps
    .map(
      (s) =>
        `<tr><th scope="row">${h(s.name)}</th><td>${s.change}</td><td>${s.renderedFiles.length === 0 ? 'none' : `<ul>${s.renderedFiles.map((f) => `<li>${f.change} <code>${h(f.path)}</code></li>`).join('')}</ul>`}</td></tr>`,
    )
    .join('');
  const tenantRows = base.tenants
    .slice(0, 500)
    .map((t) => `<tr><th scope="row">${h(t.id)}</th><td>${t.change}</td><td>${h(t.from ?? '')}</td><td>${h(t.to ?? '')}</td></tr>`)
    .join('');
  return `<section id="changes" aria-labelledby="changes-h">
<h2 id="changes-h">Changes since <code>${h(base.ref)}</code></h2>
<p>Routing table revision: <code>${h(before ?? 'none')}</code> → <code>${h(after ?? 'none')}</code>${before === after ? ' (unchanged)' : ''}</p>
<div class="table-wrap"><table>${sortableHead(['Stamp', 'Change', 'Rendered files changed'])}<tbody>${stampRows}${
    base.otherRenderedFiles.length > 0
      ? `<tr><th scope="row">(fleet-wide)</th><td>rendered</td><td><ul>${base.otherRenderedFiles.map((f) => `<li>${f.change} <code>${h(f.path)}</code></li>`).join('')}</ul></td></tr>`
      : ''
  }</tbody></table></div>
<p>${plural(base.tenants.length, 'tenant change')}${base.tenants.length > 500 ? ' (first 500 listed)' : ''}.</p>
${tenantRows ? `<div class="table-wrap"><table>${sortableHead(['Tenant', 'Change', 'From', 'To'])}<tbody>${tenantRows}</tbody></table></div>` : ''}
</section>`;
}
