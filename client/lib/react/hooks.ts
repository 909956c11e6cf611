import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { localeOf, type Lang } from '../format';

export interface Versioned {
  readonly version: number;
  subscribe(listener: () => void): () => void;
}

/**
 * Re-renders when `source` changes, at most once per `intervalMs` (leading and trailing edge).
 * Live data can arrive many times a second; layers and charts need not redraw that often.
 */
export function useThrottledVersion(source: Versioned | null, intervalMs = 250): number {
  const [version, setVersion] = useState(() => source?.version ?? 0);
  useEffect(() => {
    if (!source) return;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      last = performance.now();
      setVersion(source.version);
    };
    const unsubscribe = source.subscribe(() => {
      if (timer) return;
      const wait = Math.max(0, last + intervalMs - performance.now());
      timer = setTimeout(flush, wait);
    });
    flush();
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [source, intervalMs]);
  return version;
}

/** The current time, refreshed every `intervalMs` (data-age labels tick with it). */
export function useNow(clock: () => number = Date.now, intervalMs = 1000): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const id = setInterval(() => setNow(clock()), intervalMs);
    return () => clearInterval(id);
  }, [clock, intervalMs]);
  return now;
}

/**
 * Calls `fetch` now and every `intervalMs` while mounted, and afresh when `key` changes (the previous requests
 * are aborted). The last answer stays through failures and key changes; `failed` tells whether the latest
 * attempt failed.
 */
export function usePolled<T>(fetch: (signal: AbortSignal) => Promise<T>, intervalMs: number, key?: unknown): { data: T | null; failed: boolean } {
  const [state, setState] = useState<{ data: T | null; failed: boolean }>({ data: null, failed: false });
  const latest = useRef(fetch);
  latest.current = fetch;
  useEffect(() => {
    const ctl = new AbortController();
    const load = () =>
      latest.current(ctl.signal).then(
        (data) => setState({ data, failed: false }),
        () => !ctl.signal.aborted && setState((s) => ({ ...s, failed: true })),
      );
    void load();
    const id = setInterval(load, intervalMs);
    return () => {
      ctl.abort();
      clearInterval(id);
    };
  }, [key, intervalMs]);
  return state;
}

export interface StateSource<S> {
  readonly state: S;
  subscribe(listener: () => void): () => void;
}

/** Subscribes to a small state holder (e.g. the connection state). */
export function useExternalState<S>(source: StateSource<S>): S {
  return useSyncExternalStore(
    (l) => source.subscribe(l),
    () => source.state,
  );
}

/** The UI language and its Intl locale; re-renders on language change. */
export function useLang(): { lang: Lang; locale: string } {
  const { i18n } = useTranslation();
  const lang: Lang = i18n.language === 'en' ? 'en' : 'id';
  return { lang, locale: localeOf(lang) };
}
