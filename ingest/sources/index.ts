/** Source types by config `type`: adding a connector is one file plus one line here. */
import { assertNever } from '../../shared/ack';
import type { SourceConfig } from '../config';
import type { Source } from '../source';
import { createSimulatorSource } from './simulator';

export async function createSource(config: SourceConfig): Promise<Source> {
  switch (config.type) {
    case 'simulator':
      return createSimulatorSource({ seed: config.seed, backfillMinutes: config.backfillMinutes, intervalMs: config.intervalMs });
    default:
      return assertNever(config.type);
  }
}
