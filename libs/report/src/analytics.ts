// The usage section of the report (`report --lake`): the ready-made questions, answered per residency zone.
import type { FleetView } from './model.ts';
import { escapeHtml as h } from './private/text.ts';

/** One answered question: column names and rows of JSON values. */
export interface AnalyticsTable {
  readonly question: 'top-tenants' | 'noisy-neighbours' | 'version-errors';
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** What `report --lake` adds: each zone's answers, computed zone by zone. */
export interface AnalyticsInput {
  /** The lake, as given to --lake. */
  readonly lake: string;
  readonly zones: readonly { readonly zone: string; readonly tables: readonly AnalyticsTable[]; readonly skipped: readonly string[] }[];
}

const TITLES: Record<AnalyticsTable['question'], string> = {
  'top-tenants': 'Top tenants by requests',
  'noisy-neighbours': 'Noisy neighbours: load share far above placement weight',
  'version-errors': 'Errors by release version',
};

const text = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
const mdCell = (value: unknown): string => text(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The section as markdown lines; empty without --lake. */
export function analyticsMarkdown(view: FleetView): string[] {
  if (!view.analytics) return [];
  const out = [
    '### Usage (analytics lake)',
    '',
    `<sub>lake: ${mdCell(view.analytics.lake)} · each zone is queried on its own (residency)</sub>`,
    '',
  ];
  for (const zone of view.analytics.zones) {
    out.push(`#### Zone ${mdCell(zone.zone)}`, '');
    for (const table of zone.tables) {
      out.push(`**${TITLES[table.question]}**`, '');
      if (table.rows.length === 0) {
        out.push('None.', '');
        continue;
      }
      out.push(
        `| ${table.columns.map(mdCell).join(' | ')} |`,
        `| ${table.columns.map(() => '---').join(' | ')} |`,
        ...table.rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`),
        '',
      );
    }
    for (const skipped of zone.skipped) out.push(`- skipped ${mdCell(skipped)}`);
    if (zone.skipped.length > 0) out.push('');
  }
  return out;
}

/** The section as HTML; empty without --lake. */
export function analyticsHtml(view: FleetView): string {
  if (!view.analytics) return '';
  const zones = view.analytics.zones.map((zone) => {
    const tables = zone.tables.map((table) => {
      const body =
        table.rows.length === 0
          ? '<p>None.</p>'
          : `<div class="table-wrap"><table><thead><tr>${table.columns.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead><tbody>${table.rows
              .map((row) => `<tr>${row.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${h(text(v))}</td>`).join('')}</tr>`)
              .join('')}</tbody></table></div>`;
      return `<h4>${h(TITLES[table.question])}</h4>${body}`;
    });
    return `<section class="zone" aria-labelledby="usage-${h(zone.zone)}"><h3 id="usage-${h(zone.zone)}">Zone ${h(zone.zone)}</h3>${tables.join('\n')}</section>`;
  });
  return `<section id="usage" aria-labelledby="usage-h">
<h2 id="usage-h">Usage</h2>
<p>From the analytics lake; each zone is queried on its own, so no figure mixes two zones.</p>
${zones.join('\n')}
</section>`;
}
