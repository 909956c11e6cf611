import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../ingest/config';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function configFile(text: string, ext = 'yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sinergi-config-'));
  dirs.push(dir);
  const file = join(dir, `worker.${ext}`);
  await writeFile(file, text);
  return file;
}

const good = `
server:
  url: http://127.0.0.1:8080
keys:
  BPBD: env:BPBD_KEY
spool:
  dir: ./spool
sources:
  - type: simulator
    name: sim
    seed: 3
`;

describe('worker config file', () => {
  it('loads YAML, reads keys from the environment and resolves paths against the file', async () => {
    const file = await configFile(good);
    const config = await loadWorkerConfig(file, { BPBD_KEY: 'sk_from_env_123' });
    expect(config.keys).toEqual({ BPBD: 'sk_from_env_123' });
    expect(config.spool.dir).toBe(join(file, '..', 'spool'));
    expect(config.sources[0]).toMatchObject({ type: 'simulator', name: 'sim', seed: 3 });
  });

  it('names the field and the line of every error', async () => {
    const file = await configFile(`server:
  url: not-a-url
keys:
  bpbd: sk_1234567890
sources:
  - type: simulator
    name: sim
    seed: "three"
  - type: teleporter
    name: sim
`);
    const error = await loadWorkerConfig(file, {}).catch((e: Error) => e.message);
    expect(error).toContain('server.url (line 2)');
    expect(error).toContain('keys.bpbd (line 4): keys are OPD codes');
    expect(error).toContain('sources.0.seed (line 8)');
    expect(error).toContain("sources.1.type (line 9): unknown source type 'teleporter'");
  });

  it('says which environment variable is missing', async () => {
    const file = await configFile(good);
    await expect(loadWorkerConfig(file, {})).rejects.toThrow(/keys\.BPBD \(line 5\): environment variable BPBD_KEY is not set/);
  });

  it('reports YAML syntax errors with their line', async () => {
    const file = await configFile('server:\n  url: [unclosed\nkeys: {}\n');
    await expect(loadWorkerConfig(file, {})).rejects.toThrow(/line \d+/);
  });

  it('reads JSON too', async () => {
    const file = await configFile(
      JSON.stringify({ server: { url: 'http://127.0.0.1:1' }, keys: { DLH: 'sk_1234567890' }, sources: [{ type: 'simulator', name: 's' }] }),
      'json',
    );
    expect((await loadWorkerConfig(file, {})).sources).toHaveLength(1);
  });
});

describe('the shipped example config', () => {
  it('is valid for every connector it shows', async () => {
    const env = Object.fromEntries(
      ['SINERGI_KEY_BPBD', 'SINERGI_KEY_DISHUB', 'SINERGI_KEY_DISKOMINFO'].map((k) => [k, `sk_example_${k.toLowerCase()}`]),
    );
    const config = await loadWorkerConfig(join(import.meta.dirname, '../../ingest/examples/semarang.yaml'), env);
    expect(config.sources.map((s) => s.type).sort()).toEqual(['csv-folder', 'http-poll', 'mqtt', 'open311']);
  });
});
