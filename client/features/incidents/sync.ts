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
