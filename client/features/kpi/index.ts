/** The KPI rule shared by every surface: `kpi.ts` (figure, age, level, trend) and `wording.ts` (its words). */
export * from './kpi';
export * from './wording';
export * from './live';
