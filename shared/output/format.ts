import Table from 'cli-table3';

/** A plain table for people: header row, no borders, aligned columns. */
export function renderTable(head: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const table = new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  return table.toString();
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `3m ago`, `2h ago`, `in 5m` for clocks that disagree. */
export function formatAge(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '-';
  const ms = now.getTime() - new Date(iso).getTime();
  const abs = Math.abs(ms);
  const text =
    abs < 60_000 ? `${Math.round(abs / 1000)}s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)}m` : abs < 86_400_000 ? `${(abs / 3_600_000).toFixed(1)}h` : `${(abs / 86_400_000).toFixed(1)}d`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}

export function formatKeys(keys: Record<string, number>): string {
  const entries = Object.entries(keys).sort(([a], [b]) => Number(a) - Number(b));
  if (entries.length === 0) return '0';
  return entries.map(([db, n]) => `db${db}=${n}`).join(' ');
}

/** Prints JSON for machines: two-space indented, bigint as string, trailing newline. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}
