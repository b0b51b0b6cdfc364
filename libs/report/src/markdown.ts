// The report as GitHub-flavoured markdown, ready for a pull-request comment or a job summary.
import { escapeControl, escapeMarkdown } from '@stampyard/stamp-spec';
import type { FleetView, StampView } from './model.ts';
import { formatPercent } from './view.ts';
import { analyticsMarkdown } from './analytics.ts';
import { describeWave, generatedNote, plural } from './private/text.ts';

/** GitHub rejects comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Rows per table before it is folded into `<details>`. */
const FOLD_ROWS = 20;

interface Limits {
  /** Most rows of each long table; the rest are counted, not listed. */
  readonly rows: number;
}

const LIMIT_STEPS: readonly Limits[] = [{ rows: Number.POSITIVE_INFINITY }, { rows: 300 }, { rows: 100 }, { rows: 30 }, { rows: 5 }];

/**
 * Renders the view as markdown under `maxChars` (default: a safe margin below GitHub's
 * comment limit). Long tables are folded into `<details>`, then shortened until it fits.
 */
export function renderMarkdown(view: FleetView, maxChars = GITHUB_COMMENT_LIMIT - 1_536): string {
  let text = '';
  for (const limits of LIMIT_STEPS) {
    text = renderWith(view, limits);
    if (text.length <= maxChars) return text;
  }
  return text;
}

function renderWith(view: FleetView, limits: Limits): string {
  const out: string[] = [];
  out.push(`## Fleet report: ${cell(view.fleetName)}`, '');
  const meta = [generatedNote(view), ...(view.healthSource ? [`health source: ${cell(view.healthSource)}`] : [])];
  out.push(`<sub>${meta.join(' · ')}</sub>`, '');
  if (view.healthNote) out.push('> [!NOTE]', `> ${cell(view.healthNote)}`, '');
  if (view.alerts.length > 0) {
    out.push('> [!WARNING]', '> **Needs attention**');
    for (const alert of view.alerts) out.push(`> - ${cell(alert)}`);
    out.push('');
  }
  out.push(...summarySection(view), ...rolloutSection(view), ...matrixSection(view, limits), ...driftSection(view, limits));
  if (view.base) out.push(...baseSection(view, limits));
  out.push(...analyticsMarkdown(view));
  return `${out.join('\n').trimEnd()}\n`;
}

function summarySection(view: FleetView): string[] {
  const t = view.totals;
  const out = ['### Fleet summary', ''];
  out.push(
    `${plural(t.stamps, 'stamp')} in ${plural(t.regions, 'region')} and ${plural(t.zones, 'residency zone')} · ` +
      `${plural(t.tenants.active + t.tenants.suspended, 'tenant')} (${t.tenants.active.toLocaleString('en-US')} active, ${t.tenants.suspended.toLocaleString('en-US')} suspended, ${t.tenants.unplaced.toLocaleString('en-US')} unplaced)` +
      (view.unplacedAnyResidency > 0 ? ` · ${plural(view.unplacedAnyResidency, 'unplaced tenant')} of residency any` : ''),
    '',
  );
  out.push(
    '| Zone | Stamps by region | Capacity used | Tenants active | Suspended | Unplaced | Room |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
  );
  for (const z of view.zones) {
    const regions = z.regions.map((r) => `${r.region} (${r.stamps.length})`).join(', ') || '(no stamps)';
    const room = z.warnings.length > 0 ? `⚠️ ${z.warnings.map(cell).join('; ')}` : 'ok';
    out.push(
      `| ${cell(z.zone)} | ${cell(regions)} | ${bar(z.usedPercent)} ${formatPercent(z.usedPercent)} (${z.usedUnits.toLocaleString('en-US')}/${z.capacityUnits.toLocaleString('en-US')} units) | ${z.tenants.active.toLocaleString('en-US')} | ${z.tenants.suspended.toLocaleString('en-US')} | ${z.tenants.unplaced.toLocaleString('en-US')} | ${room} |`,
    );
  }
  out.push('');
  return out;
}

function rolloutSection(view: FleetView): string[] {
  const out = ['### Rollout progress', ''];
  if (!view.targetVersion) return [...out, 'No stamps, so no rollout.', ''];
  const newest = view.releases.at(-1);
  out.push(
    view.rolloutSource === 'rollout-state'
      ? `Target **${cell(view.targetVersion)}**, from the rollout state${view.allowDowngrade ? ' (a downgrade, started with --allow-downgrade)' : ''}.`
      : `No rollout in progress (no rollout.yaml). The newest release in the catalog is **${cell(newest ?? '')}**` +
          (newest !== view.targetVersion
            ? `; start it with \`stampyard rollout start ${cell(newest ?? '')}\``
            : ', and the fleet declares it') +
          `. Waves below are measured against **${cell(view.targetVersion)}**, the highest version a stamp file declares.`,
    '',
  );
  out.push('| Wave | State | On target | Stamps |', '| ---: | --- | ---: | ---: |');
  for (const w of view.waves) {
    const icon = w.state === 'halted' ? '⛔ ' : w.state === 'baking' ? '⏳ ' : w.state === 'promoted' ? '✅ ' : '';
    out.push(`| ${w.wave} | ${icon}${cell(describeWave(w))} | ${w.onTarget}/${w.stampCount} | ${w.stampCount} |`);
  }
  out.push('');
  return out;
}

function matrixSection(view: FleetView, limits: Limits): string[] {
  const out = ['### Version matrix', ''];
  const observed = view.healthSource !== undefined;
  // Counts per wave and release: always short, whatever the fleet's size.
  out.push(`Stamps per wave and release${observed ? ' (declared / observed)' : ' (declared)'}:`, '');
  out.push(`| Wave | ${view.releases.join(' | ')} |`, `| ---: | ${view.releases.map(() => '---:').join(' | ')} |`);
  for (const w of view.waves) {
    const inWave = view.stamps.filter((s) => s.wave === w.wave);
    const cells = view.releases.map((r) => {
      const declared = inWave.filter((s) => s.declaredVersion === r).length;
      const seen = inWave.filter((s) => (s.observedVersion ?? '') === r).length;
      const mark = r === view.targetVersion ? '**' : '';
      return observed ? `${mark}${declared} / ${seen}${mark}` : `${mark}${declared}${mark}`;
    });
    out.push(`| ${w.wave} | ${cells.join(' | ')} |`);
  }
  out.push('');
  // Per stamp: the ones that need a look first, all of them when they fit.
  const attention = (s: StampView) => s.straggler || s.driftErrors.length > 0 || s.health === 'unhealthy' || s.health === 'degraded';
  const ordered = [...view.stamps.filter(attention), ...view.stamps.filter((s) => !attention(s))];
  const rows = ordered.slice(0, limits.rows);
  const header = [
    '| Stamp | Region | Wave | Tenants | Capacity used | Target | Declared | ' +
      (observed ? 'Observed | Health | ' : '') +
      view.releases.join(' | ') +
      ' |',
    '| --- | --- | ---: | ---: | --- | --- | --- | ' +
      (observed ? '--- | --- | ' : '') +
      view.releases.map(() => ':---:').join(' | ') +
      ' |',
  ];
  const body = rows.map((s) => {
    const flags = `${s.straggler ? ' ⚠️ straggler' : ''}${s.driftErrors.length > 0 ? ' ❌ drift' : ''}${s.excluded !== undefined ? ` ⏸️ excluded: ${cell(s.excluded)}` : ''}${s.status === 'draining' ? ' (draining)' : ''}`;
    const marks = view.releases.map((r) => {
      const m = [s.declaredVersion === r ? 'declared' : '', s.observedVersion === r ? 'observed' : ''].filter(Boolean);
      return m.join(', ');
    });
    return (
      `| ${cell(s.name)}${flags} | ${cell(s.region)} | ${s.wave} | ${s.tenantCount.toLocaleString('en-US')} | ${s.usedUnits.toLocaleString('en-US')}/${s.capacityUnits.toLocaleString('en-US')} units | ${view.targetVersion ?? ''} | ${s.declaredVersion} | ` +
      (observed ? `${cell(s.observedVersion ?? 'not observed')} | ${s.health} | ` : '') +
      `${marks.join(' | ')} |`
    );
  });
  const omitted = ordered.length - rows.length;
  const table = [
    ...header,
    ...body,
    ...(omitted > 0 ? ['', `${plural(omitted, 'more stamp')} not listed, to fit a pull-request comment; see the HTML report.`] : []),
  ];
  out.push(...fold(table, `Every stamp (${view.stamps.length})`, view.stamps.length > FOLD_ROWS));
  return out;
}

function driftSection(view: FleetView, limits: Limits): string[] {
  const out = ['### Drift findings', ''];
  if (view.drift.length === 0) return [...out, 'No drift found.', ''];
  const errors = view.drift.filter((d) => d.severity === 'error').length;
  out.push(`${plural(errors, 'error')}, ${plural(view.drift.length - errors, 'warning')}.`, '');
  const rows = view.drift.slice(0, limits.rows);
  const table = [
    '| Severity | Stamp | Kind | Finding |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (d) =>
        `| ${d.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${cell(d.stamp ?? 'fleet-wide')} | ${cell(d.kind)} | ${cell(d.message)} |`,
    ),
    ...(view.drift.length > rows.length
      ? ['', `${plural(view.drift.length - rows.length, 'more finding')} not listed; run \`stampyard drift\` for all of them.`]
      : []),
  ];
  out.push(...fold(table, `Every finding (${view.drift.length})`, view.drift.length > FOLD_ROWS));
  return out;
}

function baseSection(view: FleetView, limits: Limits): string[] {
  const base = view.base!;
  const out = [`### Changes since ${codeSpan(base.ref)}`, ''];
  const { before, after } = base.routingRevision;
  const revision = (r?: string) => (r ? `\`${r.slice(0, 19)}\`` : 'none');
  out.push(`Routing table revision: ${revision(before)} → ${revision(after)}${before === after ? ' (unchanged)' : ''}`, '');
  if (base.stamps.length === 0 && base.otherRenderedFiles.length === 0) {
    out.push('No stamp or rendered file changed.', '');
  } else {
    const rows = base.stamps.slice(0, limits.rows);
    const table = [
      '| Stamp | Change | Rendered files changed |',
      '| --- | --- | --- |',
      ...rows.map(
        (s) =>
          `| ${cell(s.name)} | ${s.change} | ${fileList(
            s.renderedFiles.map((f) => `${f.change} ${codeSpan(f.path)}`),
            limits,
          )} |`,
      ),
      ...(base.otherRenderedFiles.length > 0
        ? [
            `| (fleet-wide) | rendered | ${fileList(
              base.otherRenderedFiles.map((f) => `${f.change} ${codeSpan(f.path)}`),
              limits,
            )} |`,
          ]
        : []),
      ...(base.stamps.length > rows.length ? ['', `${plural(base.stamps.length - rows.length, 'more stamp')} changed.`] : []),
    ];
    out.push(...fold(table, `Stamps changed (${base.stamps.length})`, base.stamps.length > FOLD_ROWS));
  }
  if (base.tenants.length === 0) {
    out.push('No tenant placed or moved.', '');
  } else {
    const counts = ['placed', 'moved', 'unplaced', 'added', 'removed']
      .map((kind) => [kind, base.tenants.filter((t) => t.change === kind).length] as const)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n.toLocaleString('en-US')} ${kind}`);
    out.push(`Tenants: ${counts.join(', ')}.`, '');
    const rows = base.tenants.slice(0, limits.rows);
    const table = [
      '| Tenant | Change | From | To |',
      '| --- | --- | --- | --- |',
      ...rows.map((t) => `| ${cell(t.id)} | ${t.change} | ${cell(t.from ?? '')} | ${cell(t.to ?? '')} |`),
      ...(base.tenants.length > rows.length ? ['', `${plural(base.tenants.length - rows.length, 'more tenant change')} not listed.`] : []),
    ];
    out.push(...fold(table, `Tenant changes (${base.tenants.length})`, base.tenants.length > FOLD_ROWS));
  }
  return out;
}

function fileList(items: readonly string[], limits: Limits): string {
  if (items.length === 0) return 'none';
  const max = Math.min(10, limits.rows);
  const shown = items.slice(0, max).join('<br>');
  return items.length > max ? `${shown}<br>and ${items.length - max} more` : shown;
}

function fold(lines: readonly string[], summary: string, folded: boolean): string[] {
  if (!folded) return [...lines, ''];
  return ['<details>', `<summary>${summary}</summary>`, '', ...lines, '', '</details>', ''];
}

/** A 10-step text bar, so capacity reads without colour. */
function bar(percent: number): string {
  const filled = Math.min(10, Math.round(percent / 10));
  return `\`${'█'.repeat(filled)}${'░'.repeat(10 - filled)}\``;
}

/** A path as inline code in a table cell: nothing in it can close the span, the cell or the line. */
function codeSpan(path: string): string {
  return `\`${escapeControl(path).replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

/**
 * Escapes text from the files (names, reasons, messages) for a table cell or
 * list item: no link, image, HTML or @mention can come from it (see
 * `escapeMarkdown`).
 */
function cell(text: string): string {
  return escapeMarkdown(text);
}
