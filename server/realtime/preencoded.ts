/**
 * JSON serialised once, sent many times (issue 18, benchmarks). socket.io serialises every acknowledgement on
 * its own: 5,000 citizens subscribing to the same shared snapshot cost 5,000 `JSON.stringify` of it. A value
 * marked by `preEncode` is serialised once; socket.io's encoder, given this parser, splices the stored text where
 * the value sits, so the wire is byte for byte what encoding the value would give.
 *
 * Only the encoder changes (the decoder is socket.io's own), and only packets carrying a pre-encoded value take
 * the splice: everything else encodes exactly as before.
 */
import { randomBytes } from 'node:crypto';
import { Decoder, Encoder, protocol } from 'socket.io-parser';

/** Marks where a stored text goes; no value a client sends or the database holds is this string. */
const NONCE = randomBytes(12).toString('hex');
const TOKEN = new RegExp(`"\\\\u0000${NONCE}:(\\d+)"`, 'g');

/** The texts met while one packet is encoded, by value, in the order their tokens were handed out. */
let encoding: Map<object, number> | null = null;
const TEXT = Symbol('pre-encoded JSON');

/**
 * Serialises `value` now and marks it so that socket.io's encoder (with this parser) splices that text instead
 * of serialising it again. The value is returned as it was, for every other reader: it must not change after.
 * A copy (`{ ...value }`) is an ordinary object again.
 */
export function preEncode<T extends object>(value: T): T {
  const text = JSON.stringify(value);
  Object.defineProperty(value, TEXT, { value: text, enumerable: false });
  Object.defineProperty(value, 'toJSON', {
    enumerable: false,
    value(this: T): unknown {
      // outside the encoder (logs, tests): the value itself
      if (!encoding) return Array.isArray(this) ? [...this] : { ...this };
      let i = encoding.get(this);
      if (i === undefined) encoding.set(this, (i = encoding.size));
      return `\u0000${NONCE}:${i}`;
    },
  });
  return value;
}

class PreEncodingEncoder extends Encoder {
  override encode(obj: Parameters<Encoder['encode']>[0]): ReturnType<Encoder['encode']> {
    if (encoding) return super.encode(obj);
    encoding = new Map();
    try {
      const out = super.encode(obj);
      if (encoding.size === 0 || typeof out[0] !== 'string') return out;
      const texts = [...encoding.keys()].map((v) => (v as { [TEXT]: string })[TEXT]);
      out[0] = out[0].replace(TOKEN, (_, i: string) => texts[Number(i)]!);
      return out;
    } finally {
      encoding = null;
    }
  }
}

/** socket.io's `parser` option: its own decoder, the splicing encoder. */
export const preEncodingParser = { protocol, Encoder: PreEncodingEncoder, Decoder };
