/**
 * `GET /api/public/v1/warnings`: current flood warnings by kecamatan and kelurahan, and the water level at
 * every public gauge (server/public/warnings.ts). Public, no token; checked for the shape the page relies on.
 */
import { ALERT_LEVELS, type AlertLevel } from '@shared/catalog';
import { ApiError, getJson, isNum, isObj } from '../lib/api/http';

export interface Gauge {
  metric: string;
  entity: string;
  value: number | null;
  t: number | null;
  level: AlertLevel | null;
  current: boolean;
  late: boolean;
}

export interface WarningKelurahan {
  code: string | null;
  name: string | null;
  level: AlertLevel | null;
  t: number | null;
  gauges: Gauge[];
}

export interface WarningArea {
  code: string | null;
  name: string | null;
  level: AlertLevel | null;
  t: number | null;
  kelurahan: WarningKelurahan[];
}

export interface Warnings {
  updatedAt: number;
  level: AlertLevel | null;
  t: number | null;
  metrics: { code: string; unit: string; cadenceS: number | null; thresholds: { waspada: number; siaga: number; awas: number } }[];
  areas: WarningArea[];
}

const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const numOrNull = (x: unknown): number | null => (isNum(x) ? x : null);
const level = (x: unknown): AlertLevel | null => ((ALERT_LEVELS as readonly unknown[]).includes(x) ? (x as AlertLevel) : null);
const objects = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter(isObj) : []);

export function checkWarnings(x: unknown): Warnings {
  if (!isObj(x) || !isNum(x.updatedAt) || !Array.isArray(x.areas)) throw new ApiError(0, 'warnings: unexpected response');
  return {
    updatedAt: x.updatedAt,
    level: level(x.level),
    t: numOrNull(x.t),
    metrics: objects(x.metrics).flatMap((m) => {
      const th = isObj(m.thresholds) ? m.thresholds : null;
      return typeof m.code === 'string' && th && isNum(th.waspada) && isNum(th.siaga) && isNum(th.awas)
        ? [
            {
              code: m.code,
              unit: str(m.unit) ?? '',
              cadenceS: numOrNull(m.cadenceS),
              thresholds: { waspada: th.waspada, siaga: th.siaga, awas: th.awas },
            },
          ]
        : [];
    }),
    areas: objects(x.areas).map((a) => ({
      code: str(a.code),
      name: str(a.name),
      level: level(a.level),
      t: numOrNull(a.t),
      kelurahan: objects(a.kelurahan).map((k) => ({
        code: str(k.code),
        name: str(k.name),
        level: level(k.level),
        t: numOrNull(k.t),
        gauges: objects(k.gauges).flatMap((g) =>
          typeof g.entity === 'string'
            ? [
                {
                  metric: str(g.metric) ?? '',
                  entity: g.entity,
                  value: numOrNull(g.value),
                  t: numOrNull(g.t),
                  level: level(g.level),
                  current: g.current === true,
                  late: g.late === true,
                },
              ]
            : [],
        ),
      })),
    })),
  };
}

export async function fetchWarnings(signal?: AbortSignal): Promise<Warnings> {
  return checkWarnings(await getJson('/api/public/v1/warnings', {}, signal));
}

/** Whether a level is a warning (Waspada or above). */
export const isWarning = (l: AlertLevel | null): l is Exclude<AlertLevel, 'normal'> => l === 'waspada' || l === 'siaga' || l === 'awas';
