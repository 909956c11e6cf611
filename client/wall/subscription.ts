/** What the wall subscribes to and how much of it it keeps (used by the wall and by the soak of its buffers). */

/** Every metric the wall shows; terbatas ones simply stay empty for a caller without rights. */
export const WALL_METRICS = [
  'water_level',
  'rainfall',
  'pump_running',
  'traffic_speed',
  'traffic_intensity',
  'congestion_index',
  'truck_load',
  'container_fill',
  'landfill_intake',
  'project_progress',
  'project_progress_plan',
  'project_budget_absorbed',
  'complaints_open',
] as const;

export const WALL_EVENT_KINDS = ['complaint', 'flood_report'] as const;

/** Complaints kept with their position for the density layers (bounded: a 24-hour wall stays flat). */
export const WALL_MAX_LOCATED_EVENTS = 100_000;
