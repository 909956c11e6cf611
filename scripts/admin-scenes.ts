/**
 * `admin scenes import FILE | export FILE | reset` (issue 17): the wall's scenes as data from the command line.
 * Import validates the YAML (or JSON) file against the schema and the catalog, naming every problem with its
 * field and line, and stores nothing unless all is well; every change is audited (`cli:<os user>`). The
 * servers pick the change up within seconds (they poll the stored version). Export writes what the walls are
 * served: the stored scenes, else WALL_SCENES_FILE's, else the built-in ones.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Storage } from '../db/storage';
import { catalogCodes, readScenes } from '../db/queries/scenes';
import { DEFAULT_SCENES } from '../shared/scenes';
import type { Config } from '../server/config';
import { checkScenes, parseScenes, problemText } from '../server/wall/scenes';
import { resetScenesAudited, storeScenesAudited } from '../server/wall/admin';

export function registerSceneCommands(program: Command, config: Config, withStorage: <T>(fn: (s: Storage) => Promise<T>) => Promise<T>): void {
  const scenes = program.command('scenes').description("the wall's scenes and playlist (stored scenes take precedence over WALL_SCENES_FILE)");
  scenes
    .command('import <file>')
    .description('validate a scenes file (YAML or JSON) against the schema and the catalog, then store it (audited)')
    .action((file: string) =>
      withStorage(async (s) => {
        const r = parseScenes(await readFile(file, 'utf8'), file, await catalogCodes(s.pool));
        if (!r.ok) throw new Error(`${r.message}\nnothing was stored`);
        const version = await storeScenesAudited(s.pool, r.scenes, `cli:${userInfo().username}`, 'cli', Date.now());
        process.stdout.write(`stored ${r.scenes.scenes.length} scenes (version ${version}); the walls show them within seconds\n`);
      }),
    );
  scenes
    .command('export <file>')
    .description("write the scenes the walls are served as YAML ('-': standard output)")
    .action((file: string) =>
      withStorage(async (s) => {
        const stored = await readScenes(s.pool);
        let doc: unknown = DEFAULT_SCENES;
        let from = 'the built-in scenes';
        if (stored) {
          const c = checkScenes(stored.document);
          if (!c.ok) throw new Error(`the stored scenes do not fit this release:\n${c.problems.map((p) => `  ${problemText(p)}`).join('\n')}`);
          doc = c.scenes;
          from = `the stored scenes (version ${stored.version}, by ${stored.updatedBy})`;
        } else if (config.wallScenesFile) {
          const r = parseScenes(await readFile(config.wallScenesFile, 'utf8'), config.wallScenesFile);
          if (r.ok) {
            doc = r.scenes;
            from = config.wallScenesFile;
          }
        }
        const text = `# Sinergi wall scenes, exported from ${from}\n${stringify(doc, { lineWidth: 150 })}`;
        if (file === '-') process.stdout.write(text);
        else {
          await writeFile(file, text);
          process.stderr.write(`wrote ${from} to ${file}\n`);
        }
      }),
    );
  scenes
    .command('reset')
    .description('remove the stored scenes (audited): WALL_SCENES_FILE, else the built-in scenes, are served again')
    .action(() =>
      withStorage(async (s) => {
        const had = await resetScenesAudited(s.pool, `cli:${userInfo().username}`, 'cli', Date.now());
        process.stdout.write(had ? 'stored scenes removed\n' : 'no scenes were stored\n');
      }),
    );
}
