/**
 * Complaints (Diskominfo): citizen reports arriving as a deterministic pseudo-Poisson process (busier in the
 * day), each with a category, a kelurahan, a position and a lifecycle received → verified → dispatched →
 * resolved (or received → rejected). `complaints_open` counts the complaints received and not yet closed.
 *
 * Arrivals are generated per WIB day (so ids `LPR-<yyyymmdd>-<n>` number them within the day) and cached.
 */
import { COMPLAINT_CATEGORIES } from '../../../demo/catalog';
import type { EventInput } from '../../../shared/schemas';
import type { World } from './entities';
import { pointInKelurahan } from './entities';
import type { FloodModel } from './floods';
import { DAY, HOUR, MINUTE, Memo, WIB_OFFSET_MS, hourBump, localDay, localHour, localYmd, logNormal, poisson, rand, rngStream, round } from './noise';

export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export interface Complaint {
  id: string;
  category: ComplaintCategory;
  region: string;
  lon: number;
  lat: number;
  title: string;
  transitions: { status: string; time: number }[];
  received: number;
  /** Time of `resolved` or `rejected`. */
  closed: number;
}

/** Upper bound of received → closed (verification ≤ 1 d, dispatch ≤ 1 d, resolution ≤ 5 d). */
export const COMPLAINT_MAX_LIFE = 7 * DAY;
const REJECT_PROBABILITY = 0.08;

const BASE_WEIGHTS: Readonly<Record<ComplaintCategory, number>> = {
  jalan_rusak: 0.22,
  sampah: 0.2,
  banjir: 0.05,
  lampu_jalan: 0.12,
  drainase: 0.13,
  kemacetan: 0.11,
  pelayanan_publik: 0.17,
};
const RAIN_WEIGHTS: Readonly<Record<ComplaintCategory, number>> = {
  ...BASE_WEIGHTS,
  banjir: 0.35,
  drainase: 0.25,
  jalan_rusak: 0.15,
};

const TITLES: Readonly<Record<ComplaintCategory, readonly string[]>> = {
  jalan_rusak: ['Jalan berlubang', 'Aspal rusak dan bergelombang', 'Jalan retak membahayakan pengendara'],
  sampah: ['Sampah menumpuk belum diangkut', 'Tumpukan sampah di tepi jalan', 'Kontainer sampah penuh'],
  banjir: ['Genangan air setinggi lutut', 'Banjir masuk rumah warga', 'Air meluap dari saluran'],
  lampu_jalan: ['Lampu penerangan jalan mati', 'Lampu jalan berkedip', 'Tiang lampu miring'],
  drainase: ['Saluran air tersumbat', 'Gorong-gorong mampet', 'Saluran drainase berbau'],
  kemacetan: ['Kemacetan panjang', 'Parkir liar menyebabkan macet', 'Lampu lalu lintas tidak berfungsi'],
  pelayanan_publik: ['Antrean layanan kelurahan lama', 'Pelayanan administrasi lambat', 'Petugas layanan tidak ada di tempat'],
};

/** Arrivals per hour, city-wide: ~12 at night, up to ~55 in the late morning. */
export function complaintRate(t: number): number {
  const h = localHour(t);
  return 12 + 45 * Math.min(1, 0.85 * hourBump(h, 10, 2.5) + 0.65 * hourBump(h, 15, 2.5) + 0.5 * hourBump(h, 20, 1.5));
}

function pick<T extends string>(weights: Readonly<Record<T, number>>, u: number): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  for (const [k, w] of entries) {
    acc += w / total;
    if (u < acc) return k;
  }
  return entries[entries.length - 1]![0];
}

export class ComplaintModel {
  private readonly days = new Memo<number, Complaint[]>(64);
  /** Per UTC hour: [received, closed] pairs of the complaints that may be open during that hour. */
  private readonly openCandidates = new Memo<number, Float64Array>(256);

  constructor(
    private readonly world: World,
    private readonly floods: FloodModel,
  ) {}

  /** All complaints received on a WIB day, in arrival order. */
  day(dayIndex: number): Complaint[] {
    return this.days.get(dayIndex, () => {
      const seed = this.world.seed;
      const d0 = dayIndex * DAY - WIB_OFFSET_MS;
      const ymd = localYmd(d0);
      const out: Complaint[] = [];
      for (let m = 0; m < 1440; m++) {
        const t = d0 + m * MINUTE;
        const k = poisson(complaintRate(t + MINUTE / 2) / 60, rand(seed, 0xc0, dayIndex, m));
        if (k === 0) continue;
        const offsets = Array.from({ length: k }, (_, i) => Math.floor(rand(seed, 0xc1, dayIndex * 1440 + m, i) * MINUTE)).sort((a, b) => a - b);
        for (const off of offsets) out.push(this.complaint(dayIndex, ymd, out.length + 1, t + off));
      }
      return out;
    });
  }

  private complaint(dayIndex: number, ymd: string, seq: number, received: number): Complaint {
    const rng = rngStream(this.world.seed, 0xc2, dayIndex, seq);
    const kel = this.world.kelurahan[Math.floor(rng() * this.world.kelurahan.length)]!;
    const [lon, lat] = pointInKelurahan(kel, rng, 1);
    const wet = this.floods.rainAt(lon, lat, received) + this.floods.rainAt(lon, lat, received - HOUR) > 3;
    const category = pick(wet ? RAIN_WEIGHTS : BASE_WEIGHTS, rng());
    const titles = TITLES[category];
    const title = `${titles[Math.floor(rng() * titles.length)]!} di Kel. ${kel.name}`;

    const minutes = (median: number, sigma: number, min: number, max: number): number =>
      Math.round(Math.min(max, Math.max(min, logNormal(rng(), rng(), median, sigma))) * MINUTE);
    const transitions = [{ status: 'received', time: received }];
    const t1 = received + minutes(25, 0.8, 3, 24 * 60);
    let closed: number;
    if (rng() < REJECT_PROBABILITY) {
      transitions.push({ status: 'rejected', time: t1 });
      closed = t1;
    } else {
      const t2 = t1 + minutes(40, 0.8, 5, 24 * 60);
      const t3 = t2 + minutes(180, 1.2, 15, 5 * 24 * 60);
      transitions.push({ status: 'verified', time: t1 }, { status: 'dispatched', time: t2 }, { status: 'resolved', time: t3 });
      closed = t3;
    }
    return {
      id: `LPR-${ymd}-${String(seq).padStart(4, '0')}`,
      category,
      region: kel.code,
      lon: round(lon, 6),
      lat: round(lat, 6),
      title,
      transitions,
      received,
      closed,
    };
  }

  /** Complaints that may have a transition in [from, to]. */
  private *relevant(from: number, to: number): Generator<Complaint> {
    for (let d = localDay(from - COMPLAINT_MAX_LIFE); d <= localDay(to); d++) {
      for (const c of this.day(d)) {
        if (c.received > to) break;
        if (c.closed >= from) yield c;
      }
    }
  }

  /** complaint events whose transition time is in (from, to]. */
  eventsBetween(from: number, to: number): EventInput[] {
    const out: EventInput[] = [];
    for (const c of this.relevant(from, to)) {
      for (const tr of c.transitions) if (tr.time > from && tr.time <= to) out.push(toEvent(c, tr));
    }
    return out;
  }

  /** The history (transitions at or before `at`) of the complaints open at `at`. */
  history(at: number): EventInput[] {
    const out: EventInput[] = [];
    for (const c of this.relevant(at, at)) {
      if (c.received > at || c.closed <= at) continue;
      for (const tr of c.transitions) if (tr.time <= at) out.push(toEvent(c, tr));
    }
    return out;
  }

  /** `complaints_open`: received at or before t and not yet resolved or rejected. */
  openCount(t: number): number {
    const hour = Math.floor(t / HOUR);
    const pairs = this.openCandidates.get(hour, () => {
      const h0 = hour * HOUR;
      const h1 = h0 + HOUR;
      const list: number[] = [];
      for (const c of this.relevant(h0, h1)) if (c.received < h1 && c.closed > h0) list.push(c.received, c.closed);
      return Float64Array.from(list);
    });
    let n = 0;
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i]! <= t && t < pairs[i + 1]!) n++;
    return n;
  }
}

function toEvent(c: Complaint, tr: { status: string; time: number }): EventInput {
  return {
    kind: 'complaint',
    id: c.id,
    status: tr.status,
    time: tr.time,
    category: c.category,
    region: c.region,
    lon: c.lon,
    lat: c.lat,
    title: c.title,
  };
}
