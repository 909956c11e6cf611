import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertLevel } from '@shared/catalog';
import { AlertBadge } from '../lib/components/AlertBadge';
import { Freshness } from '../lib/components/Freshness';
import { formatNumber } from '../lib/format';
import { silentText } from '../features/kpi';
import { useLang } from '../lib/react/hooks';
import { fetchWarnings, isWarning, type Gauge, type Warnings } from './warnings-api';

/** Warnings matter more than the other panels: refreshed every 20 s (the server's snapshot lasts 5 s). */
const POLL_MS = 20_000;

/** Polls the public warnings; null until the first answer (and after failures, the last answer stays). */
export function useWarnings(): Warnings | null {
  const [w, setW] = useState<Warnings | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    const load = () => {
      if (typeof document !== 'undefined' && document.hidden) return;
      fetchWarnings(ctl.signal).then(setW, () => undefined);
    };
    load();
    const id = setInterval(load, POLL_MS);
    const onVisible = () => !document.hidden && load();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      ctl.abort();
      clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return w;
}

const RANK: Record<AlertLevel, number> = { normal: 0, waspada: 1, siaga: 2, awas: 3 };

/**
 * The banner at the top of the page: every kecamatan at Waspada or above, with the kelurahan and gauges that
 * put it there. Shown only when there is such an area; the level is always written out, never colour alone.
 */
/**
 * The gauge behind the banner's level: the worst current one (highest level, then value). The banner's age is
 * its age, not the freshest gauge's, so a gauge that went quiet at Awas makes the banner look late.
 */
export function worstGauge(w: Warnings): Gauge | null {
  let best: Gauge | null = null;
  for (const a of w.areas)
    for (const k of a.kelurahan)
      for (const g of k.gauges) {
        if (!g.current || g.level === null || g.value === null) continue;
        if (!best || RANK[g.level] > RANK[best.level!] || (RANK[g.level] === RANK[best.level!] && g.value > best.value!)) best = g;
      }
  return best;
}

export function WarningsBanner({ warnings, now }: { warnings: Warnings | null; now: number }) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  if (!warnings) return null;
  const areas = warnings.areas.filter((a) => isWarning(a.level));
  if (areas.length === 0 || !isWarning(warnings.level)) return null;
  const top = warnings.level;
  const unit = warnings.metrics[0]?.unit ?? 'cm';
  const th = warnings.metrics[0]?.thresholds;
  const value = (v: number | null) => (v === null ? '–' : `${formatNumber(v, 0, locale)} ${unit}`);
  const worst = worstGauge(warnings);
  const cadenceS = warnings.metrics[0]?.cadenceS ?? undefined;
  // a gauge that stopped reporting at Siaga/Awas says so: "PA-UJI tidak melapor sejak 06.10 WIB · nilai terakhir 277 cm"
  const gaugeText = (g: Gauge) =>
    g.late && g.t !== null && g.value !== null
      ? silentText({ entity: g.entity, t: g.t, value: g.value, unit }, now, lang)
      : `${g.entity} ${value(g.value)} (${t(`alert.${g.level}`)})`;
  const counts = { awas: 0, siaga: 0, waspada: 0 };
  for (const a of areas) if (isWarning(a.level)) counts[a.level]++;
  const summary = (['awas', 'siaga', 'waspada'] as const)
    .filter((l) => counts[l] > 0)
    .map((l) => t('pub.warn.areasAt', { count: counts[l], level: t(`alert.${l}`) }))
    .join(', ');

  return (
    <section
      className={`pub-warnings tone-${top}${worst?.late ? ' is-stale' : ''}`}
      id="peringatan"
      aria-labelledby="warnings-title"
      data-testid="section-warnings"
      data-level={top}
      data-stale={worst?.late ? 'true' : 'false'}
    >
      <div className="card-head">
        <h2 id="warnings-title">
          <span className="warn-icon" aria-hidden="true">
            ⚠
          </span>{' '}
          {t('pub.warn.title')}
        </h2>
        <Freshness t={worst?.t ?? warnings.t} now={now} cadenceS={cadenceS} />
      </div>
      <p className="warn-summary" role="status" data-testid="warnings-summary">
        {summary}
      </p>
      <ul className="warn-areas">
        {areas.map((a) => (
          <li key={a.code ?? ''} className={`warn-area tone-${a.level}`} data-testid="warning-area" data-level={a.level ?? ''}>
            <div className="warn-area-head">
              <AlertBadge level={a.level ?? 'normal'} />
              <strong>{a.name ? t('pub.proj.kec', { name: a.name }) : t('pub.cx.noRegion')}</strong>
            </div>
            <ul className="warn-kelurahan">
              {a.kelurahan
                .filter((k) => isWarning(k.level))
                .map((k) => (
                  <li key={k.code ?? ''}>
                    <span>{k.name ? t('pub.proj.kel', { name: k.name }) : t('pub.warn.wholeKecamatan')}</span>
                    <span className="warn-gauges">
                      {k.gauges
                        .filter((g) => g.current && g.level && RANK[g.level] > 0)
                        .map((g, i) => (
                          <span
                            key={g.entity}
                            className={g.late ? 'warn-gauge is-silent' : 'warn-gauge'}
                            data-testid={g.late ? 'gauge-silent' : undefined}
                          >
                            {i > 0 ? '; ' : ''}
                            {gaugeText(g)}
                          </span>
                        ))}
                    </span>
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ul>
      {th && (
        <p className="card-note">
          {t('pub.warn.thresholds', { waspada: value(th.waspada), siaga: value(th.siaga), awas: value(th.awas) })} {t('pub.warn.advice')}
        </p>
      )}
      <a className="warn-more" href="#banjir">
        {t('pub.warn.allGauges')}
      </a>
    </section>
  );
}
