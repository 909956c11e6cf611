/**
 * Open-data licences (server/opendata/license.ts): one configurable default (CC-BY-4.0), per-dataset overrides,
 * parsed once by server/config.ts, a typo failing the start.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { license, licenseOf, parseLicenseOverrides } from '../../server/opendata/license';

describe('licences', () => {
  it.each([
    ['CC-BY-4.0', 'Creative Commons Attribution 4.0', 'https://creativecommons.org/licenses/by/4.0/', true],
    ['CC0-1.0', 'Creative Commons CCZero 1.0', 'https://creativecommons.org/publicdomain/zero/1.0/', true],
    ['ODbL-1.0', 'Open Data Commons Open Database License 1.0', 'https://opendatacommons.org/licenses/odbl/1-0/', true],
    ['LicenseRef-Perda-12', 'LicenseRef-Perda-12', null, false],
  ])('%s: title, URL, open', (id, title, url, isOpen) => {
    expect(license(id)).toEqual({ id, title, url, isOpen });
  });

  it('defaults to CC-BY-4.0, and a dataset override wins', () => {
    expect(licenseOf(undefined, 'x').id).toBe('CC-BY-4.0');
    const cfg = { default: 'ODbL-1.0', byDataset: { 'curah-hujan': 'CC0-1.0' } };
    expect(licenseOf(cfg, 'curah-hujan').id).toBe('CC0-1.0');
    expect(licenseOf(cfg, 'tinggi-muka-air').id).toBe('ODbL-1.0');
  });

  it.each([
    ['', {}],
    ['curah-hujan=CC0-1.0, proyek=CC-BY-SA-4.0', { 'curah-hujan': 'CC0-1.0', proyek: 'CC-BY-SA-4.0' }],
  ])('parses overrides %j', (text, want) => expect(parseLicenseOverrides(text)).toEqual({ ok: true, value: want }));

  it.each(['curah-hujan', 'Curah=CC0-1.0', 'x=CC BY', 'x=<script>'])('refuses %j', (text) => expect(parseLicenseOverrides(text).ok).toBe(false));

  it('is read once from the environment; a bad value fails the start', () => {
    expect(loadConfig({}).openDataLicense).toEqual({ default: 'CC-BY-4.0', byDataset: {} });
    expect(loadConfig({ OPEN_DATA_LICENSE: 'CC0-1.0', OPEN_DATA_LICENSES: 'curah-hujan=ODbL-1.0' }).openDataLicense).toEqual({
      default: 'CC0-1.0',
      byDataset: { 'curah-hujan': 'ODbL-1.0' },
    });
    expect(() => loadConfig({ OPEN_DATA_LICENSE: 'CC BY 4.0' })).toThrow(/OPEN_DATA_LICENSE/);
    expect(() => loadConfig({ OPEN_DATA_LICENSES: 'curah-hujan' })).toThrow(/OPEN_DATA_LICENSES/);
  });
});
