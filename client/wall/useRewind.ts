/**
 * The rewind's state on an unlocked wall: which moment is shown, its frame's stores, and the time from the
 * slider's release to the frame on screen (`<body data-replay="…" data-replay-ms="…">`, read by the tests and
 * the wall benchmark). A newer release aborts an older request; LIVE drops the frame (the live stores never stopped).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LiveOptions } from '../lib/live-options';
import { setBodyState } from '../lib/test-hooks';
import { fetchReplay, frameSources, type FrameSources } from './replay-api';
import type { RewindState } from './Rewind';

export function useRewind(token: string | undefined, options: LiveOptions) {
  const [state, setState] = useState<RewindState>('live');
  const [at, setAt] = useState<number | null>(null);
  const [sources, setSources] = useState<FrameSources | null>(null);
  const pending = useRef<AbortController | null>(null);
  const releasedAt = useRef(0);

  const show = useCallback(
    (scene: string, moment: number) => {
      if (!token) return;
      pending.current?.abort();
      const ctl = new AbortController();
      pending.current = ctl;
      releasedAt.current = performance.now();
      setAt(moment);
      setState('loading');
      fetchReplay(token, scene, moment, ctl.signal).then(
        (frame) => {
          if (ctl.signal.aborted) return;
          setSources(frameSources(frame, options));
          setState('frame');
        },
        () => {
          if (!ctl.signal.aborted) setState('error');
        },
      );
    },
    [token, options],
  );

  const live = useCallback(() => {
    pending.current?.abort();
    pending.current = null;
    setSources(null);
    setAt(null);
    setState('live');
  }, []);

  useEffect(() => {
    setBodyState('replay', state);
    if (state !== 'frame') return;
    // the frame is on screen after React committed it and the browser painted the next frame
    const id = requestAnimationFrame(() => setBodyState('replayMs', String(Math.round(performance.now() - releasedAt.current))));
    return () => cancelAnimationFrame(id);
  }, [state, sources]);

  useEffect(() => () => pending.current?.abort(), []);

  return { state, at, sources, show, live };
}
