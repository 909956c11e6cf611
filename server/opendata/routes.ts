/**
 * GET /api/public/v1/datasets, /datasets/:id, /datasets/:id/data.csv and /datasets/:id/data.json: the open
 * data downloads, anonymous and publik only, served from snapshots with an ETag and a max-age like the rest
 * of the public API. Cross-origin reads are allowed (no credentials are involved): open data is for anyone's
 * application.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { toIssueDetails } from '../../shared/schemas';
import { sendRendered, type Rendered } from '../public/cache';
import { VIEW_IDS, type DatasetDef, type ViewDef, type ViewId } from './datasets';
import { datasetList, datasetMetadata, DATASETS_PATH } from './metadata';
import type { OpenDataService } from './service';

/** A dataset id: lower-case words joined by hyphens. */
export const DATASET_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;
export const datasetParamsSchema = z.object({ id: z.string().regex(DATASET_ID, 'not a dataset id') });
export const dataQuerySchema = z.object({
  /** Which table of the dataset; its first (default) one when absent. */
  view: z.enum(VIEW_IDS as [ViewId, ...ViewId[]]).optional(),
});

/** Open data may be read cross-origin: portals and notebooks elsewhere harvest it. */
export const sendOpen = (req: Request, res: Response, r: Rendered, opts: { maxAgeS: number; type?: string; disposition?: string }) =>
  sendRendered(req, res, r, { ...opts, crossOrigin: true });

const fail = (res: Response, status: number, error: string, details: { index: null; path: string; message: string }[] = []) =>
  void res.status(status).json({ error, details });

export function createOpenDataRoutes(deps: { openData: OpenDataService }): Router {
  const od = deps.openData;
  const router = Router();

  /** The dataset the path names, or an answer (400/404) and null. */
  const datasetOf = async (req: Request, res: Response): Promise<DatasetDef | null> => {
    const parsed = datasetParamsSchema.safeParse(req.params);
    if (!parsed.success) return (fail(res, 404, 'no such dataset'), null);
    const d = (await od.catalog()).byId.get(parsed.data.id);
    if (!d) return (fail(res, 404, `no such dataset '${parsed.data.id}'; the list is at ${DATASETS_PATH}`), null);
    return d;
  };
  const viewOf = (d: DatasetDef, req: Request, res: Response): ViewDef | null => {
    const parsed = dataQuerySchema.safeParse(req.query);
    if (!parsed.success)
      return (
        fail(
          res,
          400,
          'invalid query',
          toIssueDetails(parsed.error).map((x) => ({ ...x, index: null })),
        ),
        null
      );
    if (parsed.data.view === undefined) return d.views[0];
    const v = d.views.find((x) => x.id === parsed.data.view);
    if (!v) {
      const have = d.views.map((x) => x.id).join(', ');
      return (fail(res, 400, 'invalid query', [{ index: null, path: 'view', message: `dataset ${d.id} has the views ${have}` }]), null);
    }
    return v;
  };

  router.get(DATASETS_PATH, async (req, res) => {
    sendOpen(req, res, await od.rendered('list', datasetList), { maxAgeS: od.maxAgeS });
  });
  router.get(`${DATASETS_PATH}/:id`, async (req, res) => {
    const d = await datasetOf(req, res);
    if (!d) return;
    sendOpen(req, res, await od.rendered(`dataset:${d.id}`, (c) => datasetMetadata(d, c, { dictionary: true })), { maxAgeS: od.maxAgeS });
  });
  router.get(`${DATASETS_PATH}/:id/data.csv`, async (req, res) => {
    const d = await datasetOf(req, res);
    const v = d && viewOf(d, req, res);
    if (!d || !v) return;
    const t = await od.table(d, v);
    sendOpen(req, res, t.csv(), {
      maxAgeS: t.maxAgeS,
      type: 'text/csv; charset=utf-8; header=present',
      disposition: `attachment; filename="${d.id}-${v.id}.csv"`,
    });
  });
  router.get(`${DATASETS_PATH}/:id/data.json`, async (req, res) => {
    const d = await datasetOf(req, res);
    const v = d && viewOf(d, req, res);
    if (!d || !v) return;
    const t = await od.table(d, v);
    sendOpen(req, res, t.json(), { maxAgeS: t.maxAgeS });
  });
  return router;
}
