import { describe, expect, it } from 'vitest';
import { Encoder, PacketType } from 'socket.io-parser';
import { preEncode, preEncodingParser } from '../../server/realtime/preencoded';

const make = () => ({
  metric: { code: 'rainfall' },
  seq: 7,
  series: [{ id: 1, entity: 'A "quoted" \u0000 name', latest: { t: 1, v: 2.5 }, history: [] }],
});

describe('pre-encoded JSON in socket.io packets', () => {
  const packet = (data: unknown) => ({ type: PacketType.ACK, nsp: '/public', id: 12, data: [{ ok: true, data: { serverTime: 5, metrics: data } }] });

  it('puts on the wire exactly what encoding the value gives', () => {
    const pre = preEncode(make());
    expect(new preEncodingParser.Encoder().encode(packet([pre, pre, make()]))).toEqual(new Encoder().encode(packet([make(), make(), make()])));
  });

  it('splices the text of when it was marked (it is serialised once, not again)', () => {
    const pre = preEncode(make());
    pre.seq = 8; // a marked value must not change; if it does, the wire still says what was marked
    expect(new preEncodingParser.Encoder().encode(packet([pre]))).toEqual(new Encoder().encode(packet([make()])));
  });

  it('leaves other packets as they were; reads as the value outside the encoder; a copy is ordinary', () => {
    const p = { type: PacketType.EVENT, nsp: '/public', data: ['points:appended', make()] };
    expect(new preEncodingParser.Encoder().encode(p)).toEqual(new Encoder().encode(p));
    const pre = preEncode(make());
    expect(JSON.parse(JSON.stringify({ x: pre }))).toEqual({ x: make() });
    expect(Object.keys(pre)).toEqual(Object.keys(make()));
    const copy = { ...pre, seq: 9 };
    expect(new preEncodingParser.Encoder().encode(packet([copy]))).toEqual(new Encoder().encode(packet([{ ...make(), seq: 9 }])));
  });

  it('an array (the notices of a snapshot) is spliced too, and reads as an array outside the encoder', () => {
    const list = () => [make(), { ...make(), seq: 8 }];
    const pre = preEncode(list());
    const ackOf = (notices: unknown) => ({ type: PacketType.ACK, nsp: '/public', id: 3, data: [{ ok: true, data: { seq: 2, notices } }] });
    expect(new preEncodingParser.Encoder().encode(ackOf(pre))).toEqual(new Encoder().encode(ackOf(list())));
    expect(JSON.parse(JSON.stringify({ notices: pre }))).toEqual({ notices: list() });
  });
});
