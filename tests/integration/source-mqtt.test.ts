/**
 * The mqtt source against a real Mosquitto (TEST_MQTT_URL, default mqtt://127.0.0.1:1883): sensors publish from
 * a separate client under a topic prefix unique to this run. Without a broker the suite is skipped, except
 * under CI=true, where it fails.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../ingest/context';
import { mappingSchema } from '../../ingest/mapping';
import type { NormalisedRecord, SourceContext, SourceDefinition, SubscribeSource } from '../../ingest/source';
import { mqttConfigSchema, mqttDefinition, readMessage } from '../../ingest/sources/mqtt';
import { collectingContext } from '../support/source-context';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

// The definition fits the registry's element type (ingest/sources/index.ts).
const _registrable: readonly SourceDefinition[] = [mqttDefinition];

async function brokerUp(): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(BROKER, { connectTimeout: 2_000, reconnectPeriod: 0 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}
const up = await brokerUp();
if (!up && process.env.CI === 'true') throw new Error(`CI=true but no MQTT broker at ${BROKER}: the mqtt source suite would be skipped`);

const run = randomUUID().slice(0, 8);
const prefix = `sinergi-test/${run}`;

const STATIONS = { PS01: 'bpbd.pos.bkb', PS02: 'bpbd.pos.kali-garang' };
const GAUGES = { RG01: 'bpbd.arr.simongan', RG02: 'bpbd.arr.tugu' };

/** Water-level stations: JSON with the level in metres and epoch seconds; station and metric from the topic. */
const levelMapping = mappingSchema.parse({
  produces: 'points',
  fields: {
    metric: { from: 'metric', codes: 'metrics' },
    entity: { from: 'station', codes: 'stations' },
    time: { from: 'ts', format: 'epoch_s' },
    value: { from: 'level', scale: 100 },
  },
  codes: { metrics: { water_level: 'water_level' }, stations: STATIONS },
});

/** Rain gauges: a bare number in mm/h, stamped on receipt. */
const rainMapping = mappingSchema.parse({
  produces: 'points',
  fields: {
    metric: { const: 'rainfall' },
    entity: { from: 'gauge', codes: 'gauges' },
    time: { from: '_received_at' },
    value: { from: 'value' },
  },
  codes: { gauges: GAUGES },
});

async function waitFor(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function mqttSource(name: string, own: Record<string, unknown>): Promise<SubscribeSource> {
  const config = mqttConfigSchema.parse({ url: BROKER, ...own });
  const source = await mqttDefinition.create({ ...config, name }, { baseDir: process.cwd() });
  if (source.mode !== 'subscribe') throw new Error('mqtt must be a subscribe source');
  return source;
}

const points = (records: NormalisedRecord[]) => records.map((r) => ('point' in r ? r.point : null));
const byOrigin = (q: QuarantineEntry[]) => q.map((e) => [e.origin, e.reason]);

describe.skipIf(!up)('mqtt source', () => {
  let sensors: MqttClient;
  const toClose: SubscribeSource[] = [];

  beforeAll(async () => {
    sensors = await mqtt.connectAsync(BROKER, { clientId: `sinergi-test-sensors-${run}` });
  });
  afterAll(async () => {
    for (const s of toClose) await s.close?.();
    await sensors?.endAsync();
  });

  it('maps JSON and bare-number readings and quarantines garbage, unknown stations and NaN with reasons', async () => {
    const level = await collectingContext({ source: 'bpbd-tma-mqtt', opd: 'BPBD', mapping: levelMapping });
    const rain = await collectingContext({ source: 'bpbd-arr-mqtt', opd: 'BPBD', mapping: rainMapping });
    let levelCalls = 0;
    const levelCtx: SourceContext = { ...level.ctx, ingest: (r) => (levelCalls++, level.ctx.ingest(r)) };

    // A gauge's last reading retained on the broker before we subscribe: it has no time, it must not count.
    await sensors.publishAsync(`${prefix}/rain/RG02`, '99', { qos: 1, retain: true });

    const levels = await mqttSource(`tma-${run}`, {
      topics: [`${prefix}/sensors/+/water_level`],
      topicFields: `sinergi-test/+/sensors/{station}/{metric}`,
      batchMs: 200,
      clean: true,
    });
    const gauges = await mqttSource(`arr-${run}`, {
      topics: [`${prefix}/rain/+`],
      topicFields: `sinergi-test/+/rain/{gauge}`,
      payload: 'number',
      batchMs: 50,
      clean: true,
    });
    toClose.push(levels, gauges);
    await levels.subscribe(levelCtx);
    await gauges.subscribe(rain.ctx);

    const ts = Math.floor(Date.now() / 1000) - 60;
    const wl = (station: string) => `${prefix}/sensors/${station}/water_level`;
    const sent = Date.now();
    await Promise.all([
      sensors.publishAsync(wl('PS01'), JSON.stringify({ level: 1.25, ts }), { qos: 1 }),
      sensors.publishAsync(wl('PS02'), JSON.stringify({ level: 0.75, ts, battery: 3.9 }), { qos: 1 }),
      sensors.publishAsync(wl('PS99'), JSON.stringify({ level: 2.5, ts }), { qos: 1 }), // unknown station
      sensors.publishAsync(wl('PS01'), '{"level": 1.5, "ts":', { qos: 1 }), // garbage
      sensors.publishAsync(wl('PS02'), JSON.stringify({ level: 'NaN', ts }), { qos: 1 }),
      sensors.publishAsync(wl('PS01'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { qos: 1 }), // not UTF-8
      sensors.publishAsync(wl('PS02'), '[1.5]', { qos: 1 }),
      sensors.publishAsync(`${prefix}/rain/RG01`, '12.5', { qos: 1 }),
      sensors.publishAsync(`${prefix}/rain/RG02`, ' 0 ', { qos: 1 }),
      sensors.publishAsync(`${prefix}/rain/RG01`, 'NaN', { qos: 1 }),
      sensors.publishAsync(`${prefix}/rain/RG02`, 'deras', { qos: 1 }),
      sensors.publishAsync(`${prefix}/rain/RG03`, '4', { qos: 1 }), // unknown gauge
    ]);
    await waitFor('water levels', () => level.accepted.length + level.quarantined.length === 7);
    await waitFor('rainfall', () => rain.accepted.length + rain.quarantined.length === 5);

    expect(points(level.accepted)).toEqual([
      { metric: 'water_level', entity: STATIONS.PS01, time: ts * 1000, value: 125 },
      { metric: 'water_level', entity: STATIONS.PS02, time: ts * 1000, value: 75 },
    ]);
    expect(levelCalls).toBeLessThan(4); // the four parseable readings were batched, not handed over one by one
    expect(byOrigin(level.quarantined).sort()).toEqual(
      [
        [`mqtt:${wl('PS99')}`, "unmapped stations code 'PS99' in 'station'"],
        [`mqtt:${wl('PS01')}`, expect.stringMatching(/^payload is not valid JSON/)],
        [`mqtt:${wl('PS02')}`, `'level' is "NaN", not a finite number`],
        [`mqtt:${wl('PS01')}`, 'payload is not valid UTF-8'],
        [`mqtt:${wl('PS02')}`, 'payload is a JSON array, not an object'],
      ].sort(),
    );

    const rainPoints = points(rain.accepted);
    expect(rainPoints.map((p) => [p?.entity, p?.value])).toEqual([
      [GAUGES.RG01, 12.5],
      [GAUGES.RG02, 0],
    ]);
    for (const p of rainPoints) expect(p?.time).toBeGreaterThanOrEqual(sent - 1_000);
    expect(byOrigin(rain.quarantined).sort()).toEqual(
      [
        [`mqtt:${prefix}/rain/RG01`, "payload 'NaN' is not a number"],
        [`mqtt:${prefix}/rain/RG02`, "payload 'deras' is not a number"],
        [`mqtt:${prefix}/rain/RG03`, "unmapped gauges code 'RG03' in 'gauge'"],
      ].sort(),
    );
    await sensors.publishAsync(`${prefix}/rain/RG02`, '', { qos: 1, retain: true }); // clears the retained reading
  });

  it('gets the QoS 1 readings published while it was closed once it is back (persistent session)', async () => {
    const name = `tma-persist-${run}`;
    const own = { topics: [`${prefix}/persist/+`], topicFields: `sinergi-test/+/persist/{station}`, batchMs: 50 };
    const mapping = mappingSchema.parse({
      produces: 'points',
      fields: {
        metric: { const: 'water_level' },
        entity: { from: 'station', codes: 'stations' },
        time: { from: 'ts', format: 'epoch_s' },
        value: { from: 'level', scale: 100 },
      },
      codes: { stations: STATIONS },
    });
    const first = await collectingContext({ source: name, opd: 'BPBD', mapping });
    const before = await mqttSource(name, own);
    await before.subscribe(first.ctx);
    await before.close?.();

    const ts = Math.floor(Date.now() / 1000) - 120;
    for (let i = 0; i < 3; i++)
      await sensors.publishAsync(`${prefix}/persist/PS01`, JSON.stringify({ level: 1 + i / 4, ts: ts + i * 10 }), { qos: 1 });

    const second = await collectingContext({ source: name, opd: 'BPBD', mapping });
    const after = await mqttSource(name, own); // same name: same client id, same session
    toClose.push(after);
    await after.subscribe(second.ctx);
    await waitFor('the readings kept by the broker', () => second.accepted.length === 3);
    expect(points(second.accepted).map((p) => [p?.time, p?.value])).toEqual([
      [ts * 1000, 100],
      [(ts + 10) * 1000, 125],
      [(ts + 20) * 1000, 150],
    ]);
    expect(first.accepted).toHaveLength(0);
    await after.close?.();
    // Leave no session behind on the broker.
    const cleanup = await mqtt.connectAsync(BROKER, { clientId: `sinergi-${name}`, clean: true });
    await cleanup.endAsync();
  });

  it('hands over the pending batch when closed', async () => {
    const ctx = await collectingContext({ source: `arr-close-${run}`, opd: 'BPBD', mapping: rainMapping });
    const source = await mqttSource(`arr-close-${run}`, {
      topics: [`${prefix}/close/+`],
      topicFields: `sinergi-test/+/close/{gauge}`,
      payload: 'number',
      batchMs: 60_000,
      clean: true,
    });
    await source.subscribe(ctx.ctx);
    await sensors.publishAsync(`${prefix}/close/RG01`, '3.5', { qos: 1 });
    // The broker delivers on localhost within milliseconds; the batch window is a minute.
    await new Promise((r) => setTimeout(r, 300));
    expect(ctx.accepted).toHaveLength(0); // still batching
    await source.close?.();
    expect(points(ctx.accepted).map((p) => p?.value)).toEqual([3.5]);
  });

  it('keeps readings the spool refused and hands them over on a later try', async () => {
    const ctx = await collectingContext({ source: `arr-retry-${run}`, opd: 'BPBD', mapping: rainMapping });
    let calls = 0;
    const flaky: SourceContext = {
      ...ctx.ctx,
      ingest: async (r) => {
        if (++calls === 1) throw new Error('spool disk full');
        return ctx.ctx.ingest(r);
      },
    };
    const source = await mqttSource(`arr-retry-${run}`, {
      topics: [`${prefix}/retry/+`],
      topicFields: `sinergi-test/+/retry/{gauge}`,
      payload: 'number',
      batchMs: 20,
      clean: true,
    });
    toClose.push(source);
    await source.subscribe(flaky);
    await sensors.publishAsync(`${prefix}/retry/RG01`, '8', { qos: 1 });
    await waitFor('the retried reading', () => ctx.accepted.length === 1);
    expect(calls).toBe(2);
  });

  it('fails subscribe() when no broker answers, so the worker can retry it', async () => {
    const ctx = await collectingContext({ source: 'nowhere', opd: 'BPBD', mapping: rainMapping });
    const source = await mqttSource(`nowhere-${run}`, { url: 'mqtt://127.0.0.1:9', topics: ['x/+'], connectTimeoutMs: 1_000 });
    await expect(source.subscribe(ctx.ctx)).rejects.toThrow(/no connection to 127\.0\.0\.1:9 within 1000 ms/);
    await source.close?.();
  });
});

describe('mqtt messages', () => {
  const opts = { payload: 'json' as const, maxPayloadBytes: 64 };
  const now = Date.parse('2026-03-01T03:00:00Z');
  it('refuses oversized payloads and ignores empty and retained bare ones', () => {
    expect(readMessage({ topic: 't', payload: Buffer.alloc(65, 0x31), retain: false }, opts, now)).toMatchObject({
      bad: { reason: 'payload is 65 bytes; at most 64' },
    });
    expect(readMessage({ topic: 't', payload: Buffer.alloc(0), retain: false }, opts, now)).toBeNull();
    expect(readMessage({ topic: 't', payload: Buffer.from('7'), retain: true }, { ...opts, payload: 'number' }, now)).toBeNull();
    expect(readMessage({ topic: 't', payload: Buffer.from('1e999'), retain: false }, { ...opts, payload: 'number' }, now)).toMatchObject({
      bad: { reason: "payload '1e999' is not a finite number" },
    });
    expect(readMessage({ topic: 't', payload: Buffer.from('{"__proto__": {"x": 1}, "v": 2}'), retain: false }, opts, now)).toMatchObject({
      raw: { origin: 'mqtt:t', data: { v: 2, _topic: 't', _received_at: '2026-03-01T03:00:00.000Z' } },
    });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
