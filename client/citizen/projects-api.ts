/**
 * `GET /api/public/v1/projects`: the project registry (name, OPD, place, contract value and period, budget)
 * with the latest figures (server/public/projects.ts). Checked for the shape the page relies on.
 */
import { usePolled } from '../lib/react/hooks';
import { publicProjectsResponse, type RestResponse } from '@shared/rest';
import { checked, getJson } from '../lib/api/http';

export type RegisteredProject = RestResponse<'PublicProjects'>['projects'][number];

/** The projects of an answer; one that breaks the contract throws, naming the field. */
export function projectsOf(body: unknown): RegisteredProject[] {
  return checked('/api/public/v1/projects', publicProjectsResponse, body).projects;
}

export async function fetchProjects(signal?: AbortSignal): Promise<RegisteredProject[]> {
  return (await getJson('/api/public/v1/projects', publicProjectsResponse, {}, signal)).projects;
}

/** The registry changes rarely: a page refreshes it every few minutes (a 304 while unchanged). */
const REGISTRY_REFRESH_MS = 5 * 60_000;

const NO_PROJECTS: RegisteredProject[] = [];

/** The project registry, fetched once and refreshed now and then; empty until it arrives. */
export function useProjectRegistry(): RegisteredProject[] {
  return usePolled(fetchProjects, REGISTRY_REFRESH_MS).data ?? NO_PROJECTS;
}
