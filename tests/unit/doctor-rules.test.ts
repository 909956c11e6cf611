/** The thresholds of `admin doctor` (scripts/admin-doctor.ts), one row per case. */
import { describe, expect, it } from 'vitest';
import { judgeBackup, judgeCertificate, judgeClockSkew, judgeDisk } from '../../scripts/admin-doctor';

const GiB = 2 ** 30;
const H = 3_600_000;
const now = Date.parse('2026-12-06T10:00:00Z');

describe('judgeDisk: fail under 5 % or 1 GiB free, warn under 15 % or 5 GiB', () => {
  it.each([
    [100 * GiB, 500 * GiB, 'ok'],
    [40 * GiB, 500 * GiB, 'warn'], // 8 %
    [20 * GiB, 500 * GiB, 'fail'], // 4 %
    [3 * GiB, 10 * GiB, 'warn'], // 30 %, but under 5 GiB
    [0.5 * GiB, 2 * GiB, 'fail'], // 25 %, but under 1 GiB
    [0, 0, 'fail'],
  ])('%d of %d bytes free: %s', (free, total, verdict) => expect(judgeDisk('d', free, total).verdict).toBe(verdict));
});

describe('judgeBackup: none or 26 h (the alert) fails, 25 h warns', () => {
  it.each([
    [null, 'fail'],
    [now - 2 * H, 'ok'],
    [now - 25.5 * H, 'warn'],
    [now - 26 * H, 'fail'],
    [now - 80 * H, 'fail'],
  ])('newest %s: %s', (at, verdict) => expect(judgeBackup('primary', at, now).verdict).toBe(verdict));
});

describe('judgeClockSkew: over 2 s or NTP off warns, over 60 s fails', () => {
  it.each([
    [300, true, 'ok'],
    [300, null, 'ok'],
    [300, false, 'warn'],
    [-5_000, true, 'warn'],
    [90_000, true, 'fail'],
    [-61_000, null, 'fail'],
  ])('%d ms, NTP %s: %s', (skew, ntp, verdict) => expect(judgeClockSkew(skew, ntp).verdict).toBe(verdict));
  it('says which side is behind', () => {
    expect(judgeClockSkew(5_000, null).detail).toMatch(/5\.0 s behind/);
    expect(judgeClockSkew(-5_000, null).detail).toMatch(/5\.0 s ahead of/);
  });
});

describe('judgeCertificate: expired or under 7 days fails, under 30 warns', () => {
  it.each([
    [now + 90 * 24 * H, 'ok'],
    [now + 20 * 24 * H, 'warn'],
    [now + 3 * 24 * H, 'fail'],
    [now - 24 * H, 'fail'],
  ])('valid to %d: %s', (validTo, verdict) => expect(judgeCertificate('c.pem', validTo, now).verdict).toBe(verdict));
});
