// Printing a query's answer as an aligned table, JSON or CSV. Pure.
import type { QueryResult } from './engine.ts';

export type ResultFormat = 'table' | 'json' | 'csv';

const text = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** An aligned text table; numbers right-aligned. Ends with a newline. */
export function formatTable(result: QueryResult): string {
  const numeric = result.types.map((t) => /INT|DOUBLE|FLOAT|DECIMAL|REAL/.test(t));
  const cells = [result.columns.map(String), ...result.rows.map((row) => row.map(text))];
  const widths = result.columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const rows = cells.slice(1).map(line);
  return `${[line(cells[0]!), rule, ...rows].join('\n')}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`;
}

/** One JSON object per row, in an array. */
export function formatJson(result: QueryResult): string {
  const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

const csvCell = (value: unknown): string => {
  const s = text(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV with a header row, CRLF line ends. */
export function formatCsv(result: QueryResult): string {
  return [result.columns, ...result.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function formatResult(result: QueryResult, format: ResultFormat): string {
  return format === 'json' ? formatJson(result) : format === 'csv' ? formatCsv(result) : formatTable(result);
}
