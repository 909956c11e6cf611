/** Complaints (aduan warga): the published open count and, for operators, the event stream. Pure. */
import type { MetricState } from '../../lib/live-store';
import { cityTotal, latestRows } from '../common';

export function openComplaints(state: MetricState | undefined): { value: number | null; t: number | null } {
  return cityTotal(latestRows(state));
}
