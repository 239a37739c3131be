/**
 * What a change breaks, from a snapshot's lineage: the views that read a removed or retyped column (any
 * reference stops `CREATE VIEW`), directly or through other views, with the view columns computed from
 * it; and the charts on those views, with the columns they show that come from it. Pure.
 */
import type { Snapshot } from './snapshot.js';

/**
 * Views and charts that read any of `columns` (`analyticsTable.column`, or a whole `analyticsTable`), in
 * the old snapshot's dependency order: `view vw_sales_over_time (daily_revenue)`, `view vw_x (its rows)`
 * when only a join, filter or grouping reads it, `chart 'Sales Over Time' (daily_revenue)`, or
 * `chart 'Total Orders KPI' (on vw_sales_over_time)` when the chart shows none of the affected columns.
 */
export function readers(old: Snapshot, columns: readonly string[]): string[] {
  const hit = new Set(columns);
  const isHit = (read: string) => hit.has(read) || hit.has(read.slice(0, read.lastIndexOf('.')));
  const broken = new Map<string, string[]>();
  // Views are in dependency order: a view's readers come after it.
  for (const v of old.views) {
    const direct = v.reads.some(isHit);
    const viaView = v.dependsOn.some((d) => broken.has(d));
    if (!direct && !viaView) continue;
    // Snapshots written before lineage have no columnsFrom: then every column of a broken view counts.
    const affected = v.columns
      .map((c) => c.name)
      .filter((c) => (v.columnsFrom ? (v.columnsFrom[c] ?? []).some(isHit) : true));
    broken.set(v.name, affected);
    for (const c of affected) hit.add(`${v.name}.${c}`);
  }
  const out: string[] = [];
  for (const [view, affected] of broken)
    out.push(`view ${view} (${affected.length ? affected.join(', ') : 'its rows'})`);
  for (const c of old.charts) {
    const affected = broken.get(c.view);
    if (!affected) continue;
    const shown = c.columns.filter((col) => affected.includes(col));
    out.push(`chart '${c.name}' (${shown.length ? shown.join(', ') : `on ${c.view}`})`);
  }
  return out;
}
