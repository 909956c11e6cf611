/**
 * `GET /api/public/v1/projects`: the project registry (name, OPD, place, contract value and period, budget)
 * with the latest figures (server/public/projects.ts). Checked for the shape the page relies on.
 */
import { usePolled } from '../lib/react/hooks';
import { ApiError, getJson, isNum, isObj } from '../lib/api/http';

export interface RegisteredProject {
  id: string;
  name: string;
  opd: string;
  opdName: string | null;
  region: string | null;
  kecamatan: string | null;
  lon: number | null;
  lat: number | null;
  /** IDR */
  contractValue: number | null;
  budget: number | null;
  /** YYYY-MM-DD */
  contractStart: string | null;
  contractEnd: string | null;
  progress: number | null;
  plan: number | null;
  budgetAbsorbed: number | null;
  t: number | null;
}

const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const num = (x: unknown): number | null => (isNum(x) ? x : null);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkProjects(x: unknown): RegisteredProject[] {
  if (!isObj(x) || !Array.isArray(x.projects)) throw new ApiError(0, 'projects: unexpected response');
  return x.projects.filter(isObj).flatMap((p) => {
    const id = str(p.id);
    const name = str(p.name);
    const opd = str(p.opd);
    if (!id || !name || !opd) return [];
    const date = (v: unknown) => (typeof v === 'string' && DATE.test(v) ? v : null);
    return [
      {
        id,
        name,
        opd,
        opdName: str(p.opdName),
        region: str(p.region),
        kecamatan: str(p.kecamatan),
        lon: num(p.lon),
        lat: num(p.lat),
        contractValue: num(p.contractValue),
        budget: num(p.budget),
        contractStart: date(p.contractStart),
        contractEnd: date(p.contractEnd),
        progress: num(p.progress),
        plan: num(p.plan),
        budgetAbsorbed: num(p.budgetAbsorbed),
        t: num(p.t),
      },
    ];
  });
}

export async function fetchProjects(signal?: AbortSignal): Promise<RegisteredProject[]> {
  return checkProjects(await getJson('/api/public/v1/projects', {}, signal));
}

/** The registry changes rarely: a page refreshes it every few minutes (a 304 while unchanged). */
const REGISTRY_REFRESH_MS = 5 * 60_000;

const NO_PROJECTS: RegisteredProject[] = [];

/** The project registry, fetched once and refreshed now and then; empty until it arrives. */
export function useProjectRegistry(): RegisteredProject[] {
  return usePolled(fetchProjects, REGISTRY_REFRESH_MS).data ?? NO_PROJECTS;
}
