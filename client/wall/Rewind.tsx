/**
 * The rewind bar of an unlocked wall (never in kiosk mode): a slider over the past 24 hours and a LIVE button.
 * Dragging only moves the label; releasing the slider asks for that moment's frame. "LIVE" returns to the stream
 * (the live stores kept running underneath, so nothing reloads). `data-testid="rewind"` with `data-state`
 * (`live`, `loading`, `frame`, `error`) and `data-at`.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { REPLAY_WINDOW_MS } from '@shared/replay';
import { formatTime } from '../lib/format';
import { useLang } from '../lib/react/hooks';

export type RewindState = 'live' | 'loading' | 'frame' | 'error';

const STEP_MS = 60_000;

export function RewindBar({
  now,
  at,
  state,
  onRelease,
  onLive,
}: {
  now: number;
  at: number | null;
  state: RewindState;
  onRelease: (at: number) => void;
  onLive: () => void;
}) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const input = useRef<HTMLInputElement | null>(null);
  const [draft, setDraft] = useState<number | null>(null);
  const min = Math.ceil((now - REPLAY_WINDOW_MS) / STEP_MS) * STEP_MS;
  const max = Math.floor(now / STEP_MS) * STEP_MS;
  const shown = draft ?? at ?? max;

  // a range input fires `change` on release (mouse up, touch end, a key): that is when the frame is fetched
  const release = useRef(onRelease);
  release.current = onRelease;
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    const onChange = () => {
      setDraft(null);
      release.current(Number(el.value));
    };
    el.addEventListener('change', onChange);
    return () => el.removeEventListener('change', onChange);
  }, []);

  const live = state === 'live';
  return (
    <div className={`rewind${live ? '' : ' is-past'}`} data-testid="rewind" data-state={state} data-at={at ?? ''}>
      <button type="button" className={`rewind-live${live ? ' is-on' : ''}`} onClick={onLive} data-testid="rewind-live" aria-pressed={live}>
        {t('wall.rewind.live')}
      </button>
      <input
        ref={input}
        type="range"
        min={min}
        max={max}
        step={STEP_MS}
        value={Math.min(max, Math.max(min, shown))}
        onChange={(e) => setDraft(Number(e.target.value))}
        aria-label={t('wall.rewind.slider')}
        data-testid="rewind-slider"
      />
      <span className="rewind-label" data-testid="rewind-label">
        {live && draft === null
          ? t('wall.rewind.hint')
          : t(state === 'loading' ? 'wall.rewind.loading' : state === 'error' ? 'wall.rewind.error' : 'wall.rewind.at', {
              time: formatTime(shown, locale, true),
            })}
      </span>
    </div>
  );
}
