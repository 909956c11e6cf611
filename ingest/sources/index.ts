/** Every source type the worker knows; adding a connector is one file plus one line here. */
import type { SourceDefinition } from '../source';
import { csvFolderDefinition } from './csv-folder';
import { generatorDefinition } from './generator';
import { httpPollDefinition } from './http-poll';
import { mqttDefinition } from './mqtt';
import { open311Definition } from './open311';
import { simulatorDefinition } from './simulator';

export const SOURCE_DEFINITIONS: readonly SourceDefinition[] = [
  simulatorDefinition,
  generatorDefinition,
  httpPollDefinition,
  csvFolderDefinition,
  mqttDefinition,
  open311Definition,
];
