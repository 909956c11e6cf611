/**
 * MQTT sensors (`type: mqtt`): water-level and rainfall stations publishing readings to a broker. Messages are
 * collected for `batchMs` and handed to the mapping in one call; a payload that is not JSON, not a number or
 * not UTF-8 is quarantined with the reason. A persistent session (clean: false, a stable client id) makes the
 * broker keep QoS 1 readings published while the worker was away, and deliver them when it is back.
 *
 * Delivery guarantee: a QoS 1 message is acknowledged when it is batched, not when it is spooled (mqtt.js
 * handles one packet at a time, so holding acknowledgements back would serialise the whole stream). A crash
 * can therefore lose at most the last `batchMs` of readings; close() flushes, so a clean stop loses nothing.
 */
import { isUtf8 } from 'node:buffer';
import mqtt from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { z } from 'zod';
import type { RawRecord, SourceContext, SourceDefinition, SubscribeSource } from '../source';

/** Readings handed to the mapping per call at most; a fuller batch is flushed at once. */
const MAX_BATCH = 5_000;
/** Past this many readings not yet spooled, the client stops taking packets (the broker holds QoS 1 ones). */
const HIGH_WATER = 20_000;
const PLACEHOLDER = /^\{([A-Za-z][A-Za-z0-9_]{0,62})\}$/;

/** An MQTT subscription filter: `+` and `#` only as whole levels, `#` only last. */
export function isTopicFilter(filter: string): boolean {
  if (!filter || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((l, i) => (l.includes('+') || l.includes('#') ? l === '+' || (l === '#' && i === levels.length - 1) : true));
}

/** Why a topicFields pattern is unusable, or null. */
function topicPatternProblem(pattern: string): string | null {
  const levels = pattern.split('/');
  const names = new Set<string>();
  for (const [i, l] of levels.entries()) {
    const m = PLACEHOLDER.exec(l);
    if (m) {
      if (names.has(m[1]!)) return `placeholder {${m[1]}} is used twice`;
      names.add(m[1]!);
    } else if (l === '#' ? i !== levels.length - 1 : l !== '+' && /[{}+#]/.test(l)) {
      return `level '${l}' must be a literal, {name}, + or a last #`;
    }
  }
  return names.size ? null : 'pattern has no {name} placeholder';
}

const TOPIC_FILTER = z.string().max(1_024).refine(isTopicFilter, 'an MQTT topic filter (+ and # only as whole levels, # last)');

const configShape = {
  url: z.string().regex(/^mqtts?:\/\/\S+$/, 'an mqtt:// or mqtts:// URL'),
  /** Subscription filters, e.g. `sensors/+/water_level`. */
  topics: z.array(TOPIC_FILTER).min(1).max(64),
  /** Either may be `env:NAME` to read it from the environment. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Default `sinergi-<source name>`: stable, so the broker finds the persistent session again. */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits . _ : - (at most 128)')
    .optional(),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** `sensors/{station}/{metric}`: each placeholder's topic level becomes a field of the record. */
  topicFields: z
    .string()
    .min(1)
    .max(1_024)
    .superRefine((p, ctx) => {
      const problem = topicPatternProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** `json`: an object; `number`: a bare reading, which becomes the field `value`. */
  payload: z.enum(['json', 'number']).default('json'),
  /** How long readings are collected before they are handed over together. */
  batchMs: z.number().int().min(0).max(60_000).default(500),
  /** False keeps a persistent session: QoS 1 readings published while the worker was down are kept for it. */
  clean: z.boolean().default(false),
  /** How long subscribe() waits for the first connection before it fails (the worker retries it). */
  connectTimeoutMs: z.number().int().min(1_000).max(300_000).default(30_000),
  maxPayloadBytes: z
    .number()
    .int()
    .min(16)
    .max(16 * 1024 * 1024)
    .default(256 * 1024),
};

export const mqttConfigSchema = z.object(configShape).strict();
export type MqttConfig = z.infer<typeof mqttConfigSchema>;

/** Matches a topic against a topicFields pattern: the placeholders' levels, or null when it does not fit. */
export function topicFieldsMatcher(pattern: string): (topic: string) => Record<string, string> | null {
  const levels = pattern.split('/');
  return (topic) => {
    const parts = topic.split('/');
    const out: Record<string, string> = {};
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level === '#') return out;
      const part = parts[i];
      if (part === undefined) return null;
      const m = PLACEHOLDER.exec(level);
      if (m) out[m[1]!] = part;
      else if (level !== '+' && level !== part) return null;
    }
    return parts.length === levels.length ? out : null;
  };
}

export type ReadMessage = { raw: RawRecord } | { bad: { origin: string; data: unknown; reason: string } } | null;

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * One message as a raw record for the mapping, or why it is refused, or null when it carries nothing.
 * Besides the payload's own fields the record has the topic's placeholders, `_topic`, and `_received_at`
 * (ISO time of receipt, for sensors that send no time of their own).
 */
export function readMessage(
  msg: { topic: string; payload: Buffer; retain: boolean },
  opts: {
    payload: 'json' | 'number';
    maxPayloadBytes: number;
    topicFields?: (topic: string) => Record<string, string> | null;
    topicPattern?: string;
  },
  now: number,
): ReadMessage {
  const { topic, payload } = msg;
  const origin = `mqtt:${topic.length > 256 ? `${topic.slice(0, 256)}…` : topic}`;
  const bad = (data: unknown, reason: string): ReadMessage => ({ bad: { origin, data, reason } });
  // An empty message is how a retained message is deleted: nothing to read.
  if (payload.length === 0) return null;
  // A retained bare number has no time of its own: stamped now, a dead sensor's last value would look fresh.
  if (msg.retain && opts.payload === 'number') return null;
  if (payload.length > opts.maxPayloadBytes)
    return bad(
      { bytes: payload.length, head: payload.subarray(0, 64).toString('hex') },
      `payload is ${payload.length} bytes; at most ${opts.maxPayloadBytes}`,
    );
  if (!isUtf8(payload)) return bad({ bytes: payload.length, hex: payload.subarray(0, 64).toString('hex') }, 'payload is not valid UTF-8');
  const text = payload.toString('utf8');

  let fields: Record<string, unknown>;
  if (opts.payload === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return bad(text, `payload is not valid JSON: ${String((e as Error).message).slice(0, 120)}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return bad(
        text,
        `payload is a JSON ${kindOf(parsed)}, not an object${typeof parsed === 'number' ? ' (bare readings need payload: number)' : ''}`,
      );
    }
    fields = { ...(parsed as Record<string, unknown>) };
  } else {
    const t = text.trim();
    if (!NUMBER.test(t)) return bad(text, `payload '${t.slice(0, 40)}' is not a number`);
    const value = Number(t);
    if (!Number.isFinite(value)) return bad(text, `payload '${t.slice(0, 40)}' is not a finite number`);
    fields = { value };
  }
  if (opts.topicFields) {
    const fromTopic = opts.topicFields(topic);
    if (!fromTopic) return bad(text, `topic does not match topicFields '${opts.topicPattern ?? ''}'`);
    // The topic wins over the payload: the broker's ACL ties a device to its topic, the payload is self-declared.
    Object.assign(fields, fromTopic);
  }
  fields._topic = topic;
  fields._received_at = new Date(now).toISOString();
  return { raw: { origin, data: fields } };
}

type Item = Exclude<ReadMessage, null>;

export function createMqttSource(config: MqttConfig & { name: string }, opts: { env?: NodeJS.ProcessEnv } = {}): SubscribeSource {
  const env = opts.env ?? process.env;
  const secret = (value: string | undefined, field: string) => {
    if (value === undefined || !value.startsWith('env:')) return value;
    const v = env[value.slice(4)];
    if (!v) throw new Error(`mqtt source ${config.name}: ${field} refers to environment variable ${value.slice(4)}, which is not set`);
    return v;
  };
  const username = secret(config.username, 'username');
  const password = secret(config.password, 'password');
  const clientId = config.clientId ?? `sinergi-${config.name}`;
  let host: string;
  try {
    host = new URL(config.url).host; // for logs: never the credentials a URL may hold
  } catch {
    throw new Error(`mqtt source ${config.name}: url is not a URL`);
  }
  const readOpts = {
    payload: config.payload,
    maxPayloadBytes: config.maxPayloadBytes,
    topicFields: config.topicFields ? topicFieldsMatcher(config.topicFields) : undefined,
    topicPattern: config.topicFields,
  };

  let client: MqttClient | null = null;
  let ctx: SourceContext | null = null;
  let closed = false;
  const pending: Item[] = [];
  let timer: NodeJS.Timeout | null = null;
  let backoffUntil = 0;
  let failures = 0;
  let chain: Promise<void> = Promise.resolve();
  let held: (() => void) | null = null;

  const clearTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const release = () => {
    if (held && (closed || pending.length < HIGH_WATER / 2)) {
      const cb = held;
      held = null;
      cb();
    }
  };

  async function drain(): Promise<void> {
    while (pending.length && ctx) {
      const batch = pending.splice(0, MAX_BATCH);
      try {
        const raws = batch.flatMap((i) => ('raw' in i ? [i.raw] : []));
        if (raws.length) await ctx.ingest(raws);
        for (const i of batch) if ('bad' in i) await ctx.quarantine(i.bad.origin, i.bad.data, i.bad.reason);
        failures = 0;
      } catch (e) {
        // The spool refused (disk full…): keep the readings and try again later. Meanwhile pending grows to
        // HIGH_WATER and the client stops taking packets, so the broker keeps the rest.
        pending.unshift(...batch);
        failures++;
        const wait = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        ctx.log.error(
          { source: config.name, err: (e as Error)?.message ?? String(e), pending: pending.length, retryInMs: closed ? null : wait },
          'mqtt: cannot hand over readings',
        );
        if (!closed) {
          backoffUntil = Date.now() + wait;
          clearTimer();
          timer = setTimeout(() => void flush(), wait);
        }
        return;
      }
      release();
    }
  }

  function flush(): Promise<void> {
    clearTimer();
    chain = chain.then(drain);
    return chain;
  }

  function enqueue(item: Item) {
    pending.push(item);
    if (pending.length >= MAX_BATCH && Date.now() >= backoffUntil) void flush();
    else if (!timer) timer = setTimeout(() => void flush(), config.batchMs);
  }

  return {
    mode: 'subscribe',
    name: config.name,
    async subscribe(sourceCtx) {
      if (closed) throw new Error(`mqtt source ${config.name} is closed`);
      if (client) return;
      ctx = sourceCtx;
      const log = sourceCtx.log;
      const options: IClientOptions = {
        clientId,
        clean: config.clean,
        username,
        password,
        protocolVersion: 4,
        keepalive: 30,
        reconnectPeriod: 2_000,
        connectTimeout: Math.min(config.connectTimeoutMs, 30_000),
        // A refused CONNACK (credentials revoked for a while) is retried like a lost connection once running.
        reconnectOnConnackError: true,
        resubscribe: true,
      };
      const c = mqtt.connect(config.url, options);
      client = c;
      let up = false;
      let everUp = false;
      let lastError: string | null = null;
      c.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
        if (!ctx) return;
        let item: ReadMessage;
        try {
          item = readMessage({ topic, payload, retain: packet.retain }, readOpts, ctx.now());
        } catch (e) {
          // readMessage does not throw by design; if it ever does, the message is refused, not the stream.
          item = {
            bad: {
              origin: `mqtt:${topic.slice(0, 256)}`,
              data: payload.subarray(0, 256).toString('hex'),
              reason: `cannot read message: ${(e as Error)?.message}`,
            },
          };
        }
        if (item) enqueue(item);
      });
      // Backpressure: mqtt.js takes the next packet only after this callback (and acknowledges QoS 1 then).
      c.handleMessage = (_packet, callback) => {
        if (closed || pending.length < HIGH_WATER) callback();
        else held = () => callback();
      };
      c.on('connect', (ack) => {
        up = true;
        lastError = null;
        log.info({ source: config.name, host, clientId, sessionPresent: ack.sessionPresent }, everUp ? 'mqtt: reconnected' : 'mqtt: connected');
        everUp = true;
      });
      c.on('close', () => {
        if (up && !closed) log.warn({ source: config.name, host }, 'mqtt: connection lost; reconnecting');
        up = false;
      });
      c.on('error', (e) => {
        // Once per distinct error while down: a broker that stays away would otherwise log every 2 s.
        const msg = e?.message ?? String(e);
        if (msg !== lastError && !closed) log.warn({ source: config.name, host, err: msg }, 'mqtt: client error');
        lastError = msg;
      });

      try {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(
            () => done(new Error(`no connection to ${host} within ${config.connectTimeoutMs} ms${lastError ? `: ${lastError}` : ''}`)),
            config.connectTimeoutMs,
          );
          const onError = (e: Error & { code?: unknown }) => {
            // A refused CONNACK (bad credentials, client id not allowed) will not improve by waiting.
            if (typeof e.code === 'number') done(new Error(`broker ${host} refused the connection: ${e.message}`));
          };
          const onConnect = () => done(null);
          function done(err: Error | null) {
            clearTimeout(t);
            c.off('error', onError);
            c.off('connect', onConnect);
            if (err) reject(err);
            else resolve();
          }
          c.on('error', onError);
          c.on('connect', onConnect);
        });
        const granted = await c.subscribeAsync(Object.fromEntries(config.topics.map((t) => [t, { qos: config.qos }])));
        const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length) throw new Error(`broker ${host} refused the subscription to ${refused.join(', ')}`);
        log.info({ source: config.name, host, topics: config.topics, qos: config.qos }, 'mqtt: subscribed');
      } catch (e) {
        client = null;
        await c.endAsync(true).catch(() => {});
        throw e;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      release();
      const c = client;
      client = null;
      if (c) {
        // A graceful DISCONNECT, unless the broker is unreachable: then give up after a few seconds.
        let t: NodeJS.Timeout | undefined;
        const force = new Promise<void>((r) => (t = setTimeout(r, 5_000)));
        await Promise.race([c.endAsync(false), force]).catch(() => {});
        clearTimeout(t);
        if (!c.disconnected) await c.endAsync(true).catch(() => {});
      }
      await flush();
      if (pending.length && ctx) ctx.log.error({ source: config.name, lost: pending.length }, 'mqtt: readings not handed over before close');
    },
  };
}

/** MQTT sensors as a configurable source type (`type: mqtt`). */
export const mqttDefinition: SourceDefinition<typeof mqttConfigSchema> = {
  type: 'mqtt',
  needsMapping: true,
  configSchema: mqttConfigSchema,
  // Read leniently (unknown keys dropped): the worker may pass the common fields alongside the own ones.
  create: (config) => createMqttSource({ ...z.object(configShape).parse(config), name: config.name }),
};
