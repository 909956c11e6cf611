/**
 * JSON serialised once, sent many times (issue 18, benchmarks). socket.io serialises every acknowledgement on
 * its own: 5,000 citizens subscribing to the same shared snapshot cost 5,000 `JSON.stringify` of it. A value
 * wrapped in `PreEncodedJson` is serialised when it is made; socket.io's encoder, given this parser, splices
 * the stored text where the value sits, so the wire is byte for byte what encoding the value would give.
 *
 * Only the encoder changes (the decoder is socket.io's own), and only packets carrying a `PreEncodedJson` take
 * the splice: everything else encodes exactly as before.
 */
import { randomBytes } from 'node:crypto';
import { Decoder, Encoder, protocol } from 'socket.io-parser';

/** Marks where a stored text goes; no value a client sends or the database holds is this string. */
const NONCE = randomBytes(12).toString('hex');
const TOKEN = new RegExp(`"\\\\u0000${NONCE}:(\\d+)"`, 'g');

/** The values met while one packet is encoded, in the order their tokens were handed out. */
let encoding: Map<PreEncodedJson, number> | null = null;

export class PreEncodedJson {
  readonly json: string;
  constructor(value: unknown) {
    this.json = JSON.stringify(value);
  }
  /** Inside the encoder: a token for the splice. Anywhere else (logs, tests): the value itself. */
  toJSON(): unknown {
    if (!encoding) return JSON.parse(this.json) as unknown;
    let i = encoding.get(this);
    if (i === undefined) encoding.set(this, (i = encoding.size));
    return `\u0000${NONCE}:${i}`;
  }
}

class PreEncodingEncoder extends Encoder {
  override encode(obj: Parameters<Encoder['encode']>[0]): ReturnType<Encoder['encode']> {
    if (encoding) return super.encode(obj);
    encoding = new Map();
    try {
      const out = super.encode(obj);
      if (encoding.size === 0 || typeof out[0] !== 'string') return out;
      const texts = [...encoding.keys()].map((p) => p.json);
      out[0] = out[0].replace(TOKEN, (_, i: string) => texts[Number(i)]!);
      return out;
    } finally {
      encoding = null;
    }
  }
}

/** socket.io's `parser` option: its own decoder, the splicing encoder. */
export const preEncodingParser = { protocol, Encoder: PreEncodingEncoder, Decoder };
