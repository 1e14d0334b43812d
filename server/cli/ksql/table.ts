/**
 * Bordered text tables, as the ksql CLI draws them. Pure: strings in, strings out.
 *
 *   +------+-------+
 *   | Name | Topic |
 *   +------+-------+
 *   | S    | s     |
 *   +------+-------+
 *
 * A cell may hold several lines (a newline in the value, or a value wrapped to a fixed width).
 */
import { isLosslessNumber, stringify } from 'lossless-json';

/** A value of a query result or entity as a table cell: strings as they are, null as `null`, structures as JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // lossless-json writes a number with the digits the server sent (BIGINT, DECIMAL scale).
  return stringify(value) ?? 'null';
}

/** Lines of a cell: tabs and carriage returns as spaces, split at newlines. */
function cellLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').replace(/[\t\r]/g, ' ').split('\n');
}

/** A line cut into pieces of at most `width` characters (at least one piece). */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const pieces: string[] = [];
  for (let i = 0; i < line.length; i += width) pieces.push(line.slice(i, i + width));
  return pieces;
}

export function border(widths: readonly number[]): string {
  return `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
}

/** One row (it may take several text lines), without borders above or below. */
export function renderRow(cells: readonly string[], widths: readonly number[], wrap = false): string {
  const columns = widths.map((w, i) => {
    const lines = cellLines(cells[i] ?? '');
    return wrap ? lines.flatMap((l) => wrapLine(l, w)) : lines;
  });
  const height = Math.max(1, ...columns.map((c) => c.length));
  const out: string[] = [];
  for (let line = 0; line < height; line++) {
    out.push(`|${widths.map((w, i) => ` ${(columns[i]![line] ?? '').padEnd(w)} `).join('|')}|`);
  }
  return out.join('\n');
}

/** The width each column needs for its header and cells. */
export function columnWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return headers.map((h, i) => Math.max(...[h, ...rows.map((r) => r[i] ?? '')].flatMap(cellLines).map((l) => l.length)));
}

/** A whole table, each column as wide as its widest cell. Ends with a newline. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columnWidths(headers, rows);
  const line = border(widths);
  const body = rows.length === 0 ? [] : [...rows.map((r) => renderRow(r, widths)), line];
  return [line, renderRow(headers, widths), line, ...body].join('\n') + '\n';
}

/**
 * Column widths for a table whose rows are not known yet (a push query): the terminal's width
 * shared between the columns, but never narrower than a header.
 */
export function streamingWidths(headers: readonly string[], terminalWidth: number): number[] {
  const share = Math.floor((terminalWidth - 1) / Math.max(1, headers.length)) - 3;
  return headers.map((h) => Math.max(h.length, share, 1));
}

/**
 * A table printed row by row as rows arrive: fixed column widths, long values wrapped inside
 * their cell.
 */
export class StreamingTable {
  private readonly line: string;

  constructor(
    private readonly headers: readonly string[],
    private readonly widths: readonly number[],
  ) {
    this.line = border(widths);
  }

  /** The top border, the headers and the line under them. */
  head(): string {
    return `${this.line}\n${renderRow(this.headers, this.widths, true)}\n${this.line}\n`;
  }

  row(cells: readonly string[]): string {
    return `${renderRow(cells, this.widths, true)}\n`;
  }

  foot(): string {
    return `${this.line}\n`;
  }
}

/**
 * `Name : value` lines, names padded to one width, as DESCRIBE prints a source. A multi-line
 * value continues under its first line.
 */
export function renderProperties(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs
    .map(([k, v]) =>
      cellLines(v)
        .map((line, i) => (i === 0 ? `${k.padEnd(width)} : ${line}` : `${' '.repeat(width + 3)}${line}`))
        .join('\n')
        .trimEnd(),
    )
    .join('\n') + (pairs.length > 0 ? '\n' : '');
}
