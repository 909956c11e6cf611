/** Defaults of the public view's settings (config.ts reads the environment; tests may omit them). */
export const PUBLIC_VIEW_DEFAULTS = Object.freeze({
  /** Smallest complaint count published. */
  kAnonymity: 5,
  /** Lifetime of one snapshot, and its Cache-Control max-age. */
  cacheMs: 5_000,
});
