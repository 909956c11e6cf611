import { useEffect, useId, useMemo, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveStore } from '../lib/live-store';
import { fetchCatalog } from '../lib/api/catalog';
import { fetchSeries, type SeriesResponse } from '../lib/api/series';
import { Freshness } from '../lib/components/Freshness';
import { formatNumber, formatPercent, formatRupiah } from '../lib/format';
import { useLang } from '../lib/react/hooks';
import { newestOf } from '../features/common';
import { projectRows } from '../features/projects/derive';
import {
  byUrgency,
  filterOptions,
  filterProjects,
  historyLines,
  LATE_MARGIN_PTS,
  publicProjects,
  withLatest,
  type ProjectFilter,
  type PublicProject,
  type RegionLookup,
} from './projects';
import { Sparkline } from './Sparkline';
import type { RegisteredProject } from './projects-api';

const DAY = 86_400_000;
/** How far back the progress lines go: enough to see a trend, little enough for a slow phone. */
const HISTORY_DAYS = 90;
/** Daily points change slowly; a phone refetches them at most this often. */
const HISTORY_REFRESH_MS = 10 * 60_000;

interface History {
  progress: Map<string, [number, number][]>;
  plan: Map<string, [number, number][]>;
}

/** Daily progress and plan of every project, fetched once the section nears the viewport. */
function useHistory(enabled: boolean, now: () => number): History | null {
  const [h, setH] = useState<History | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    const load = () => {
      const to = now() + 3_600_000;
      const from = to - HISTORY_DAYS * DAY;
      const get = (metric: string) => fetchSeries({ metric, from, to, bucket: '1d' }).catch((): SeriesResponse | null => null);
      void Promise.all([get('project_progress'), get('project_progress_plan')]).then(([p, q]) => {
        if (!cancelled && (p || q)) setH({ progress: historyLines(p), plan: historyLines(q) });
      });
    };
    load();
    const id = setInterval(load, HISTORY_REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(id);
    };
  }, [enabled, now]);
  return h;
}

/** OPD names by code (`GET /api/v1/catalog` answers the public with every OPD and the publik metrics). */
function useOpdNames(enabled: boolean): Map<string, string> {
  const [names, setNames] = useState(() => new Map<string, string>());
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    fetchCatalog().then(
      (c) => !cancelled && setNames(new Map(c.opd.map((o) => [o.code, o.name]))),
      () => undefined, // codes stand in for names
    );
    return () => {
      cancelled = true;
    };
  }, [enabled]);
  return names;
}

/** Becomes true once the element is within `margin` of the viewport (and stays true). */
function useNear(margin = '300px'): [RefObject<HTMLElement | null>, boolean] {
  const ref = useRef<HTMLElement | null>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || near) return;
    if (typeof IntersectionObserver === 'undefined') return void setNear(true);
    const io = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && (setNear(true), io.disconnect()), { rootMargin: margin });
    io.observe(el);
    return () => io.disconnect();
  }, [near, margin]);
  return [ref, near];
}

export function ProjectsPanel({
  store,
  version,
  now,
  regions,
  registry,
  filter,
  onFilter,
  onShowOnMap,
}: {
  store: LiveStore;
  version: number;
  now: number;
  regions: RegionLookup;
  /** The project registry: names, OPD, contracts. */
  registry: readonly RegisteredProject[];
  /** Held by the page: the map shows the same projects as the list. */
  filter: ProjectFilter;
  onFilter: (f: ProjectFilter) => void;
  onShowOnMap: (p: PublicProject) => void;
}) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const [ref, near] = useNear();
  const history = useHistory(near, store.now);
  const opdNames = useOpdNames(near);
  const ids = useId();

  const opd = store.get('project_progress')?.metric?.ownerOpd ?? store.get('project_budget_absorbed')?.metric?.ownerOpd ?? null;
  const cadence = store.get('project_progress')?.metric?.cadenceS;
  const all = useMemo(
    () =>
      publicProjects(
        projectRows(store.get('project_progress'), store.get('project_progress_plan'), store.get('project_budget_absorbed')),
        regions,
        opd,
        LATE_MARGIN_PTS,
        registry,
      ).sort(byUrgency),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version, store, regions, opd, registry],
  );
  const shown = filterProjects(all, filter);
  const kecamatanOptions = filterOptions(
    all,
    (p) => p.kecamatan,
    (c) => regions.name(c) ?? c,
  );
  const registryNames = new Map(all.flatMap((p) => (p.opd && p.opdName ? [[p.opd, p.opdName] as const] : [])));
  const opdName = (c: string) => opdNames.get(c) ?? registryNames.get(c);
  const opdOptions = filterOptions(
    all,
    (p) => p.opd,
    (c) => opdName(c) ?? c,
  );
  const lateCount = shown.filter((p) => p.status === 'late').length;
  const budget = shown.some((p) => p.budget !== null) ? shown.reduce((s, p) => s + (p.budget ?? 0), 0) : null;
  const pct = (v: number | null) => formatPercent(v, 1, locale);
  const set = (patch: Partial<ProjectFilter>) => onFilter({ ...filter, ...patch });
  const opdLabel = (code: string | null) => (code ? (opdName(code) ? `${opdName(code)} (${code})` : code) : null);

  return (
    <section className="pub-card" id="proyek" data-testid="section-projects" aria-labelledby={`${ids}-h`} ref={ref}>
      <div className="card-head">
        <h2 id={`${ids}-h`}>{t('pub.projects')}</h2>
        <Freshness t={newestOf(all)} now={now} cadenceS={cadence} />
      </div>
      <p className="card-note">{t('pub.proj.note', { margin: LATE_MARGIN_PTS })}</p>
      {all.length === 0 ? (
        <p className="empty">{t('pub.noProjects')}</p>
      ) : (
        <>
          <div className="proj-filters" role="group" aria-label={t('pub.proj.filters')}>
            <label>
              <span>{t('pub.proj.kecamatan')}</span>
              <select value={filter.kecamatan} onChange={(e) => set({ kecamatan: e.target.value })} data-testid="filter-kecamatan">
                <option value="">{t('pub.proj.allKecamatan')}</option>
                {kecamatanOptions.map((o) => (
                  <option key={o.code} value={o.code}>
                    {o.label} ({o.count})
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>{t('pub.proj.opd')}</span>
              <select value={filter.opd} onChange={(e) => set({ opd: e.target.value })} data-testid="filter-opd">
                <option value="">{t('pub.proj.allOpd')}</option>
                {opdOptions.map((o) => (
                  <option key={o.code} value={o.code}>
                    {o.code === o.label ? o.code : `${o.code} — ${o.label}`} ({o.count})
                  </option>
                ))}
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={filter.lateOnly} onChange={(e) => set({ lateOnly: e.target.checked })} data-testid="filter-late" />
              <span>{t('pub.proj.lateOnly')}</span>
            </label>
          </div>
          <p className="proj-count" aria-live="polite" data-testid="projects-count">
            {t('pub.proj.count', { shown: shown.length, total: all.length })} · {t('pub.proj.lateCount', { n: lateCount })} ·{' '}
            {t('pub.totalBudget', { value: formatRupiah(budget, locale, true) })}
          </p>
          {shown.length === 0 ? (
            <p className="empty">{t('pub.proj.noMatch')}</p>
          ) : (
            <ul className="project-list">
              {shown.map((p) => {
                // A line needs at least two days of history; a few hours at daily scale say nothing.
                const days = history?.progress.get(p.entity)?.length ?? 0;
                const actual = withLatest(history?.progress.get(p.entity), p.t, p.progress);
                const plan = withLatest(history?.plan.get(p.entity), p.t, p.plan);
                const where = [
                  p.kelurahanName && t('pub.proj.kel', { name: p.kelurahanName }),
                  (p.kecamatanName || p.kecamatan) && t('pub.proj.kec', { name: p.kecamatanName ?? p.kecamatan }),
                ]
                  .filter(Boolean)
                  .join(', ');
                const status =
                  p.status === 'late' ? t('pub.proj.status.late', { n: formatNumber(p.gap, 1, locale) }) : t(`pub.proj.status.${p.status}`);
                const tone = p.status === 'late' ? 'tone-siaga' : p.status === 'done' || p.status === 'on_track' ? 'tone-normal' : '';
                return (
                  <li
                    key={p.entity}
                    className={`project status-${p.status}`}
                    data-testid="project-row"
                    data-entity={p.entity}
                    data-status={p.status}
                    data-kecamatan={p.kecamatan ?? ''}
                  >
                    <div className="project-head">
                      <h3 className="project-name">
                        {p.name ?? p.entity}
                        {p.name && <small className="project-id"> {p.entity}</small>}
                      </h3>
                      <span className={`chip ${tone}`} data-testid="project-status">
                        {status}
                      </span>
                    </div>
                    <p className="project-where">
                      {where || t('pub.cx.noRegion')}
                      {p.opd && <> · {opdLabel(p.opd)}</>}
                    </p>
                    <div
                      className="progress"
                      role="meter"
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={p.progress ?? 0}
                      aria-valuetext={`${t('pub.proj.actual')} ${pct(p.progress)}, ${t('pub.proj.planned')} ${pct(p.plan)}`}
                      aria-label={t('pub.proj.physical')}
                    >
                      <div className="progress-bar" style={{ width: `${clampPct(p.progress)}%` }} />
                      {p.plan !== null && <div className="progress-plan" style={{ left: `${clampPct(p.plan)}%` }} />}
                    </div>
                    <dl className="project-figures">
                      <div>
                        <dt>{t('pub.proj.actual')}</dt>
                        <dd>{pct(p.progress)}</dd>
                      </div>
                      <div>
                        <dt>{t('pub.proj.planned')}</dt>
                        <dd>{pct(p.plan)}</dd>
                      </div>
                      <div>
                        <dt>{t('pub.budget')}</dt>
                        <dd title={formatRupiah(p.budget, locale)} data-testid="project-absorbed">
                          {formatRupiah(p.budget, locale, true)}
                          {p.absorbedShare !== null && <small> ({formatPercent(p.absorbedShare * 100, 0, locale)})</small>}
                        </dd>
                      </div>
                    </dl>
                    {(p.contractValue !== null || p.contractStart !== null) && (
                      <dl className="project-contract">
                        {p.contractValue !== null && (
                          <div>
                            <dt>{t('pub.proj.contract')}</dt>
                            <dd data-testid="project-contract-value">{formatRupiah(p.contractValue, locale)}</dd>
                          </div>
                        )}
                        {p.budgetCeiling !== null && (
                          <div>
                            <dt>{t('pub.proj.ceiling')}</dt>
                            <dd>{formatRupiah(p.budgetCeiling, locale)}</dd>
                          </div>
                        )}
                        {p.contractStart !== null && p.contractEnd !== null && (
                          <div>
                            <dt>{t('pub.proj.period')}</dt>
                            <dd data-testid="project-period">
                              {formatDay(p.contractStart, locale)} – {formatDay(p.contractEnd, locale)}
                            </dd>
                          </div>
                        )}
                      </dl>
                    )}
                    {days >= 2 && actual.length >= 2 && (
                      <div className="project-history">
                        <Sparkline
                          actual={actual}
                          plan={plan}
                          late={p.status === 'late'}
                          label={t('pub.proj.historyLabel', {
                            from: formatDate(actual[0]![0], locale),
                            a0: pct(actual[0]![1]),
                            a1: pct(actual[actual.length - 1]![1]),
                            p1: pct(plan.length ? plan[plan.length - 1]![1] : null),
                          })}
                        />
                        <span className={`spark-legend${p.status === 'late' ? ' late' : ''}`} aria-hidden="true">
                          <i className="sw sw-actual" /> {t('pub.proj.actual')} <i className="sw sw-plan" /> {t('pub.proj.planned')} ·{' '}
                          {t('pub.proj.historySince', { date: formatDate(actual[0]![0], locale) })}
                        </span>
                      </div>
                    )}
                    <div className="project-foot">
                      <Freshness t={p.t} now={now} cadenceS={cadence} />
                      {p.lon !== null && p.lat !== null && (
                        <button type="button" className="link-button" onClick={() => onShowOnMap(p)} data-testid="project-show-on-map">
                          {t('pub.proj.showOnMap')}
                          <span className="visually-hidden"> {p.name ?? p.entity}</span>
                        </button>
                      )}
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

/** A registry date `2026-03-02` as `2 Mar 2026` (a calendar date: no time zone applies). */
function formatDay(ymd: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(Date.parse(`${ymd}T00:00:00Z`));
}

/** `22 Okt` / `22 Oct`, in WIB. */
function formatDate(t: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'Asia/Jakarta' }).format(t);
}

function clampPct(v: number | null): number {
  return v === null || !Number.isFinite(v) ? 0 : Math.min(100, Math.max(0, v));
}
