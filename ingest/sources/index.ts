/** Every source type the worker knows; adding a connector is one file plus one line here. */
import type { SourceDefinition } from '../source';
import { simulatorDefinition } from './simulator';

export const SOURCE_DEFINITIONS: readonly SourceDefinition[] = [simulatorDefinition];
