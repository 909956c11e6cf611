import { describe, expect, it } from 'vitest';
import { Encoder, PacketType } from 'socket.io-parser';
import { PreEncodedJson, preEncodingParser } from '../../server/realtime/preencoded';

const value = { metric: { code: 'rainfall' }, seq: 7, series: [{ id: 1, entity: 'A "quoted" \u0000 name', latest: { t: 1, v: 2.5 }, history: [] }] };

describe('pre-encoded JSON in socket.io packets', () => {
  it('puts on the wire exactly what encoding the value gives', () => {
    const plain = new Encoder();
    const splicing = new preEncodingParser.Encoder();
    const packet = (data: unknown) => ({ type: PacketType.ACK, nsp: '/public', id: 12, data: [{ ok: true, data: { serverTime: 5, metrics: data } }] });
    const pre = new PreEncodedJson(value);
    expect(splicing.encode(packet([pre, pre, value]))).toEqual(plain.encode(packet([value, value, value])));
  });

  it('leaves packets without one as they were, and reads as the value outside the encoder', () => {
    const p = { type: PacketType.EVENT, nsp: '/public', data: ['points:appended', value] };
    expect(new preEncodingParser.Encoder().encode(p)).toEqual(new Encoder().encode(p));
    expect(JSON.parse(JSON.stringify({ x: new PreEncodedJson(value) }))).toEqual({ x: value });
  });
});
