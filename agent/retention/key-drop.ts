/**
 * The one rule for "this dataset collapsed": a count is collapsed against a reference when the
 * reference had keys and the count is 0, or fell by more than `maxKeyDrop` (a share, 0.9 = 90 %).
 * Used by the snapshot guard (refuse the copy), retention (a far smaller copy never causes a fuller
 * one's deletion) and recovery (never restore a collapsed candidate when a fuller one exists).
 */
export const DEFAULT_MAX_KEY_DROP = 0.9;

export function isCollapsed(keys: number, reference: number, maxKeyDrop = DEFAULT_MAX_KEY_DROP): boolean {
  if (!(reference > 0)) return false;
  if (keys <= 0) return true;
  return keys < reference * (1 - maxKeyDrop);
}

/** "1000 → 0 keys (-100 %)". */
export function describeDrop(keys: number, reference: number): string {
  const pct = reference > 0 ? Math.round(((reference - keys) / reference) * 100) : 0;
  return `${reference} → ${keys} keys (-${pct} %)`;
}
