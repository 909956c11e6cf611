/**
 * Public notices (issue 21) against the real server: operators and OPDs (their own only) publish, edit and
 * withdraw, each change audited and heard live on `/public` through the notices channel (snapshot, then
 * deltas in sequence); the Atom feed and the CAP 1.2 messages parse as XML with the elements CAP requires;
 * the history lists 90 days and no more.
 */
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAudit, verifyAudit } from '../../db/queries/audit';
import type { NoticesChanged, NoticesSnapshot, WireNotice } from '../../shared/notices';
import { noticeResponse, noticesResponse } from '../../shared/notices';
import { MAX_CURRENT_NOTICES_PER_OPD } from '../../server/notices/rules';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TestServer;
let tokens: Record<'operator' | 'bpbd' | 'dishub', string>;
let kel: string[];
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['entry', 'polygon', 'geocode', 'link'].includes(name),
});

const send = async (path: string, body: unknown, token?: string) => {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const text = async (path: string) => {
  const res = await fetch(server.url + path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
};

const floodWarning = () => ({
  kind: 'flood_warning',
  headline: 'Siaga banjir Kali Semarang',
  description: 'Tinggi muka air di Pintu Air Kali Semarang naik & diperkirakan melewati <siaga> malam ini.',
  instruction: 'Pindahkan barang berharga ke tempat tinggi; hindari bantaran sungai.',
  regions: [kel[0]!, kel[1]!],
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [110.41, -6.98],
        [110.43, -6.98],
        [110.43, -6.96],
        [110.41, -6.96],
        [110.41, -6.98],
      ],
    ],
  },
  validUntil: new Date(Date.now() + 6 * HOUR).toISOString(),
});

beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 50 });
  tokens = {
    operator: await server.token('operator'),
    bpbd: await server.token('agency', 'BPBD'),
    dishub: await server.token('agency', 'DISHUB'),
  };
  kel = (await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 3`)).rows.map(
    (r) => r.code,
  );
});
afterAll(async () => server?.close());

describe('public notices', () => {
  it('publish, edit, withdraw: audited, each heard live on /public in sequence after the snapshot', async () => {
    const citizen = server.socket('/public');
    await connected(citizen);
    const heard: NoticesChanged[] = [];
    citizen.on('notices:changed', (m) => heard.push(m));
    const snap = await citizen.timeout(5_000).emitWithAck('notices:subscribe', {});
    expect(snap.ok).toBe(true);
    const first = (snap as { ok: true; data: NoticesSnapshot }).data;
    expect(first.notices).toEqual([]);

    // BPBD publishes its flood warning
    const made = await send('/api/v1/notices', floodWarning(), tokens.bpbd);
    expect(made.status).toBe(201);
    const n = noticeResponse.parse(made.body).notice;
    expect(n).toMatchObject({ kind: 'flood_warning', severity: 'severe', opd: 'BPBD', version: 1, withdrawnAt: null });

    // an OPD publishes for itself only, and changes only its own; bad input is a 400 with details
    expect((await send('/api/v1/notices', { ...floodWarning(), opd: 'BPBD' }, tokens.dishub)).status).toBe(403);
    expect((await send(`/api/v1/notices/${n.id}/withdraw`, {}, tokens.dishub)).status).toBe(403);
    expect((await send('/api/v1/notices', floodWarning())).status).toBe(401);
    const bad = await send('/api/v1/notices', { ...floodWarning(), regions: ['x'], validUntil: 'besok' }, tokens.bpbd);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['regions.0', 'validUntil']));
    const past = await send(
      '/api/v1/notices',
      { ...floodWarning(), validFrom: new Date(Date.now() - 2 * HOUR).toISOString(), validUntil: new Date(Date.now() - HOUR).toISOString() },
      tokens.bpbd,
    );
    expect(past.status).toBe(400);
    expect(past.body.error).toMatch(/future/);

    // the operator closes a road for DISHUB; DISHUB edits it (the version it read), then withdraws it
    const road = await send(
      '/api/v1/notices',
      {
        kind: 'road_closure',
        opd: 'DISHUB',
        headline: 'Jl. Pemuda ditutup',
        description: 'Perbaikan saluran.',
        geometry: { type: 'Point', coordinates: [110.42, -6.97] },
        validUntil: new Date(Date.now() + DAY).toISOString(),
      },
      tokens.operator,
    );
    expect(road.status).toBe(201);
    const r1 = road.body.notice as WireNotice;
    const edit = {
      ...r1,
      instruction: 'Lewat Jl. Gajahmada.',
      validFrom: new Date(r1.validFrom).toISOString(),
      validUntil: new Date(r1.validUntil).toISOString(),
    };
    const { id: _id, opd: _opd, createdAt: _c, updatedAt: _u, withdrawnAt: _w, severity: _s, ...body } = edit;
    const edited = await send(`/api/v1/notices/${r1.id}`, { ...body, version: 1 }, tokens.dishub);
    expect(edited.status).toBe(200);
    expect(edited.body.notice).toMatchObject({ version: 2, instruction: 'Lewat Jl. Gajahmada.' });
    expect((await send(`/api/v1/notices/${r1.id}`, { ...body, version: 1 }, tokens.dishub)).status).toBe(409);
    const gone = await send(`/api/v1/notices/${r1.id}/withdraw`, { version: 2 }, tokens.dishub);
    expect(gone.status).toBe(200);
    expect(gone.body.notice.withdrawnAt).toEqual(expect.any(Number));
    expect((await send(`/api/v1/notices/${r1.id}/withdraw`, {}, tokens.dishub)).status).toBe(409);

    // live: four changes in order, seq without gaps after the snapshot's
    await waitFor('four notice changes', () => (heard.flatMap((m) => m.notices).length >= 4 ? true : null));
    const seqs = heard.map((m) => m.seq);
    expect(seqs[0]).toBe(first.seq + 1);
    seqs.forEach((s, i) => i > 0 && expect(s).toBe(seqs[i - 1]! + 1));
    const versions = heard.flatMap((m) => m.notices).map((x) => [x.id, x.version, x.withdrawnAt !== null]);
    expect(versions).toEqual([
      [n.id, 1, false],
      [r1.id, 1, false],
      [r1.id, 2, false],
      [r1.id, 3, true],
    ]);
    citizen.disconnect();

    // the public list holds the warning only; the history holds both
    const current = noticesResponse.parse((await server.get('/api/public/v1/notices')).body);
    expect(current.notices.map((x) => x.id)).toEqual([n.id]);
    const history = noticesResponse.parse((await server.get('/api/public/v1/notices/history')).body);
    expect(history.notices.map((x) => x.id).sort()).toEqual([n.id, r1.id].sort());

    // every change audited, chain intact
    const audit = (await readAudit(server.storage.pool, { limit: 10_000 })).filter((e) => e.target?.startsWith('notice:'));
    expect(audit.map((e) => `${e.action} ${e.target}`)).toEqual(
      expect.arrayContaining([
        `notice.published notice:${n.id}`,
        `notice.published notice:${r1.id}`,
        `notice.updated notice:${r1.id}`,
        `notice.withdrawn notice:${r1.id}`,
      ]),
    );
    expect((await verifyAudit(server.storage.pool)).problems).toEqual([]);
  });

  it('serves CAP 1.2 with the required elements, and an Atom feed that links every CAP message', async () => {
    const made = (await send('/api/v1/notices', floodWarning(), tokens.operator)).body.notice as WireNotice;
    const cap = await text(`/api/public/v1/notices/${made.id}.cap`);
    expect(cap.status).toBe(200);
    expect(cap.type).toMatch(/^application\/cap\+xml/);
    const alert = xml.parse(cap.body).alert;
    expect(alert['@xmlns']).toBe('urn:oasis:names:tc:emergency:cap:1.2');
    expect(alert).toMatchObject({ status: 'Actual', msgType: 'Alert', scope: 'Public' });
    for (const f of ['identifier', 'sender', 'sent']) expect(String(alert[f])).not.toBe('');
    expect(alert.sent).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/);
    const info = alert.info;
    expect(info).toMatchObject({
      category: 'Met',
      urgency: 'Immediate',
      severity: 'Severe',
      certainty: 'Likely',
      headline: 'Siaga banjir Kali Semarang',
    });
    expect(info.event).toBeTruthy();
    expect(info.description).toContain('<siaga>'); // escaped in, parsed back out
    expect(info.instruction).toMatch(/bantaran/);
    expect(info.expires).toMatch(/\+07:00$/);
    expect(info.area.areaDesc).toBeTruthy();
    // the given polygon first (lat,lon pairs, closed), then the kelurahan outlines
    expect(info.area.polygon[0]).toBe('-6.98,110.41 -6.98,110.43 -6.96,110.43 -6.96,110.41 -6.98,110.41');
    expect(info.area.polygon.length).toBeGreaterThanOrEqual(1);
    expect(info.area.geocode.map((g: { value: string }) => g.value)).toEqual([kel[0], kel[1]]);

    // withdrawn: the same URL answers a Cancel referencing the first message
    await send(`/api/v1/notices/${made.id}/withdraw`, {}, tokens.operator);
    const cancel = xml.parse((await text(`/api/public/v1/notices/${made.id}.cap`)).body).alert;
    expect(cancel.msgType).toBe('Cancel');
    expect(cancel.references).toBe(`${alert.sender},${alert.identifier},${alert.sent}`);

    const atom = await text('/api/public/v1/notices.atom');
    expect(atom.status).toBe(200);
    expect(atom.type).toMatch(/^application\/atom\+xml/);
    const feed = xml.parse(atom.body).feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toBeTruthy();
    expect(feed.updated).toMatch(/^\d{4}-/);
    const entry = feed.entry.find((e: { id: string }) => e.id.endsWith(`:notice:${made.id}`));
    expect(entry.title).toMatch(/^\[Dicabut\] Siaga banjir/);
    const capLink = entry.link.find((l: { '@type': string }) => l['@type'] === 'application/cap+xml');
    expect(capLink['@href']).toBe(`${server.url}/api/public/v1/notices/${made.id}.cap`);

    expect((await text('/api/public/v1/notices/999999.cap')).status).toBe(404);
    expect((await text('/api/public/v1/notices/abc.cap')).status).toBe(400);
  });

  it('caps the current notices of one OPD, even when 30 are published at once, so none can crowd the others out', async () => {
    const one = (i: number) =>
      send('/api/v1/notices', { ...floodWarning(), kind: 'other', opd: 'DLH', headline: `Pengumuman DLH ${i}` }, tokens.operator);
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => one(i)));
    const created = burst.filter((r) => r.status === 201);
    expect(created).toHaveLength(MAX_CURRENT_NOTICES_PER_OPD);
    const refused = burst.filter((r) => r.status === 409);
    expect(refused).toHaveLength(30 - MAX_CURRENT_NOTICES_PER_OPD);
    expect(refused[0]!.body.error).toMatch(/already has 25 current notices/);
    // another OPD is not affected, and every DLH notice is on the public list
    expect((await send('/api/v1/notices', floodWarning(), tokens.bpbd)).status).toBe(201);
    const listed = noticesResponse.parse((await server.get('/api/public/v1/notices')).body).notices;
    expect(listed.filter((n) => n.opd === 'DLH')).toHaveLength(MAX_CURRENT_NOTICES_PER_OPD);
    // withdrawing one frees a place
    const first = created[0]!.body.notice as WireNotice;
    expect((await send(`/api/v1/notices/${first.id}/withdraw`, {}, tokens.operator)).status).toBe(200);
    expect((await one(99)).status).toBe(201);
    expect((await one(100)).status).toBe(409);
  });

  it('keeps 90 days of history: older notices are hidden, then purged when the next one is published', async () => {
    const pool = server.storage.pool;
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO public_notice (kind, severity, headline, description, regions, valid_from, valid_until, created_by, created_at, updated_at)
       VALUES ('pump_maintenance', 'minor', 'Pemeliharaan pompa lama', 'x', $1, now() - interval '100 days', now() - interval '95 days', 'test', now() - interval '100 days', now() - interval '100 days'),
              ('pump_maintenance', 'minor', 'Pemeliharaan pompa bulan lalu', 'x', $1, now() - interval '40 days', now() - interval '35 days', 'test', now() - interval '40 days', now() - interval '40 days')
       RETURNING id::int`,
      [[kel[2]]],
    );
    const [old, recent] = rows.map((r) => r.id);
    const history = noticesResponse.parse((await server.get('/api/public/v1/notices/history')).body).notices.map((n) => n.id);
    expect(history).toContain(recent);
    expect(history).not.toContain(old);
    expect((await text(`/api/public/v1/notices/${old}.cap`)).status).toBe(404);
    expect((await text(`/api/public/v1/notices/${recent}.cap`)).status).toBe(200);
    expect((await send('/api/v1/notices', floodWarning(), tokens.bpbd)).status).toBe(201);
    const left = (await pool.query(`SELECT id::int FROM public_notice WHERE id = ANY($1::bigint[])`, [[old, recent]])).rows.map((r) => r.id);
    expect(left).toEqual([recent]);
  });
});
