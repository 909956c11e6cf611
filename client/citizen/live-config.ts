/**
 * Minutes of history in each live snapshot of the citizen page: none. Every tile and list paints from the
 * latest readings; the one chart (a project's progress line) fetches its own daily history over REST when it
 * scrolls near. A crowd's first snapshots are thus the current state, not an hour of every series (issue 18).
 */
export const PUBLIC_HISTORY_MINUTES = 0;
