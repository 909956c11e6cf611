/**
 * MapLibre GL, set up for a strict CSP: the worker is a file served from our own origin
 * (`worker-src 'self'`), never a blob built at runtime from a remote script.
 * maplibre-gl 6 has no default export.
 */
import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';

maplibregl.setWorkerUrl(workerUrl);

export { maplibregl };
