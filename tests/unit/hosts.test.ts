import { describe, expect, it } from 'vitest';
import { allowedHostList, hostAllowed, parseHost } from '../../server/http/hosts';
import { rawRecordsReadable } from '../../server/access/policy';

describe('hostAllowed (DNS rebinding)', () => {
  const allowed = allowedHostList(['sinergi.example.go.id', 'wall.example.go.id:8443', '10.0.0.5']);
  it.each([
    ['sinergi.example.go.id', true, 'a bare entry takes any port'],
    ['sinergi.example.go.id:443', true, ''],
    ['SINERGI.example.go.id', true, 'case does not matter'],
    ['wall.example.go.id:8443', true, 'a host:port entry takes its port'],
    ['wall.example.go.id', false, '…and no other'],
    ['wall.example.go.id:443', false, ''],
    ['10.0.0.5:8080', true, 'an address'],
    ['localhost:8080', true, 'loopback names always'],
    ['127.0.0.1', true, ''],
    ['[::1]:8080', true, ''],
    ['::1', false, 'an IPv6 Host is bracketed'],
    ['rebind.attacker.example', false, 'a rebinding name'],
    ['sinergi.example.go.id.attacker.example', false, 'a suffix trick'],
    ['', false, 'none'],
    ['sinergi.example.go.id:99999999', false, 'junk port'],
    ['a b', false, 'junk'],
  ])('%s → %s (%s)', (host, expected) => {
    expect(hostAllowed(host, allowed)).toBe(expected);
  });
  it('refuses a request without a Host header', () => expect(hostAllowed(undefined, allowed)).toBe(false));
  it('parses entries', () => {
    expect(parseHost('[::1]:80')).toEqual({ name: '[::1]', port: '80' });
    expect(parseHost('::1')).toEqual({ name: '[::1]', port: null });
    expect(parseHost('http://x/')).toBeNull();
  });
  it('adds a specific listen address, not a wildcard', () => {
    expect(allowedHostList([], '192.168.1.9')).toContain('192.168.1.9');
    expect(allowedHostList([], '0.0.0.0')).not.toContain('0.0.0.0');
  });
});

describe('rawRecordsReadable (quarantine)', () => {
  const items = [
    { code: 'water_level', ownerOpd: 'BPBD', class: 'publik' as const },
    { code: 'siren', ownerOpd: 'BPBD', class: 'terbatas' as const },
    { code: 'tip', ownerOpd: 'DLH', class: 'rahasia' as const },
    { code: 'truck_load', ownerOpd: 'DLH', class: 'terbatas' as const },
  ];
  it.each([
    [{ role: 'operator' as const, tokenId: 1 }, 'BPBD', true],
    [{ role: 'operator' as const, tokenId: 1 }, 'DLH', false],
    [{ role: 'admin' as const, tokenId: 1 }, 'DLH', false],
    [{ role: 'operator' as const, tokenId: 1 }, 'DISHUB', true],
    [{ role: 'agency' as const, opd: 'DLH', tokenId: 1 }, 'DLH', true],
    [{ role: 'agency' as const, opd: 'DLH', tokenId: 1 }, 'BPBD', false],
  ])('%o reads raw records of %s: %s', (who, opd, expected) => {
    expect(rawRecordsReadable(who, opd, items)).toBe(expected);
  });
});
