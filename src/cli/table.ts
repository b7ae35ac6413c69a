/**
 * Aligned text tables for the CLI's human output.
 */

export type Cell = string | number | null | undefined;

export interface TableOptions {
  /** Columns whose cells are right-aligned (numbers read better that way). */
  readonly rightAligned?: readonly number[];
  /** Put in front of every line. */
  readonly indent?: string;
}

function text(cell: Cell): string {
  return cell === null || cell === undefined || cell === '' ? '-' : String(cell);
}

/** The table as lines (header first), columns separated by two spaces, no trailing spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const cells = [headers.map((header) => header), ...rows.map((row) => headers.map((_, column) => text(row[column])))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const right = new Set(options.rightAligned ?? []);
  const indent = options.indent ?? '';
  return cells
    .map((row) => {
      const line = row.map((cell, column) => (right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
      return indent + line.trimEnd();
    })
    .join('\n');
}

/** A list of integers as "1,2,3" ('-' when empty). */
export function formatIds(ids: readonly number[]): string {
  return ids.length === 0 ? '-' : ids.join(',');
}
