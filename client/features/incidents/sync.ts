/**
 * Keeps an IncidentsStore in step with the server: the snapshot on every (re)connect and on a gap, the deltas of
 * `incidents:changed` in between (deltas that arrive while the snapshot is in flight are held and replayed).
 */
import type { IncidentsChanged } from '@shared/incidents';
import type { SinergiSocket } from '../../lib/socket';
import { fetchIncidents } from './api';
import { IncidentsStore } from './store';

export class IncidentsSync {
  private pending: IncidentsChanged[] | null = null;
  private epoch = 0;

  constructor(
    private readonly socket: SinergiSocket,
    private readonly token: string,
    readonly store = new IncidentsStore(),
  ) {
    socket.on('connect', this.resync);
    socket.on('incidents:changed', this.onChanged);
    if (socket.connected) this.resync();
  }

  close(): void {
    this.epoch++;
    this.socket.off('connect', this.resync);
    this.socket.off('incidents:changed', this.onChanged);
  }

  readonly resync = (): void => {
    const epoch = ++this.epoch;
    this.pending = [];
    fetchIncidents(this.token).then(
      (snap) => {
        if (epoch !== this.epoch) return;
        const held = this.pending ?? [];
        this.pending = null;
        this.store.reset(snap);
        for (const d of held) if (this.store.apply(d, Date.now()) === 'gap') return this.resync();
      },
      () => {
        if (epoch !== this.epoch) return;
        this.pending = null;
        setTimeout(() => epoch === this.epoch && this.resync(), 5_000);
      },
    );
  };

  private readonly onChanged = (d: IncidentsChanged): void => {
    if (this.pending) return void this.pending.push(d);
    if (this.store.apply(d, Date.now()) === 'gap') this.resync();
  };
}

/**
 * Incidents other OPDs share with the caller's OPD through agreements, for one stated purpose: followed live in
 * the purpose room (`incidents:subscribe` with `{ purpose }`: the hub's snapshot with its seq, then
 * `incidents:changed` of that room in sequence; a gap or a reconnect subscribes again). When the server ends
 * the subscription (the last agreement for the purpose was revoked or ran out: `subscription:ended`, forbidden)
 * or refuses it, the store is emptied and the purpose stays hidden: it is not asked for again on reconnects
 * (asking again would be refused again, forever); a new session asks afresh.
 */
export class SharedIncidentsSync {
  readonly store = new IncidentsStore();
  /** Why the purpose is hidden (null: followed). */
  refused: string | null = null;
  private pending: IncidentsChanged[] | null = null;
  private epoch = 0;

  constructor(
    private readonly socket: SinergiSocket,
    readonly opd: string,
    readonly purpose: string,
  ) {
    socket.on('connect', this.resync);
    socket.on('incidents:changed', this.onChanged);
    socket.on('subscription:ended', this.onEnded);
    if (socket.connected) this.resync();
  }

  close(): void {
    this.epoch++;
    this.socket.off('connect', this.resync);
    this.socket.off('incidents:changed', this.onChanged);
    this.socket.off('subscription:ended', this.onEnded);
  }

  /** The purpose room's scope as the server names it in `subscription:ended`. */
  get key(): string {
    return `${this.opd}/${this.purpose}`;
  }

  readonly resync = (): void => {
    if (this.refused !== null) return;
    const epoch = ++this.epoch;
    this.pending = [];
    this.socket
      .timeout(10_000)
      .emitWithAck('incidents:subscribe', { purpose: this.purpose })
      .then(
        (res) => {
          if (epoch !== this.epoch) return;
          const held = this.pending ?? [];
          this.pending = null;
          if (!res.ok) {
            if (res.error.code === 'forbidden') return this.hide(res.error.message);
            return void setTimeout(() => epoch === this.epoch && this.resync(), 5_000);
          }
          this.store.reset(res.data);
          for (const d of held) if (this.store.apply(d, Date.now()) === 'gap') return this.resync();
        },
        () => {
          if (epoch !== this.epoch) return;
          this.pending = null;
          setTimeout(() => epoch === this.epoch && this.resync(), 5_000);
        },
      );
  };

  private hide(reason: string): void {
    this.refused = reason;
    this.epoch++;
    this.pending = null;
    this.store.reset({ incidents: [], watch: [], room: null, seq: 0, serverTime: Date.now() });
  }

  private readonly onChanged = (d: IncidentsChanged): void => {
    if (this.refused !== null || d.room !== `incidents:${this.key}`) return;
    if (this.pending) return void this.pending.push(d);
    if (this.store.apply(d, Date.now()) === 'gap') this.resync();
  };

  private readonly onEnded = (m: { channel: string; key: string; message: string }): void => {
    if (m.channel === 'incidents' && m.key === this.key) this.hide(m.message);
  };
}
