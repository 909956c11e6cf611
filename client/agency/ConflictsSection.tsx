/**
 * Dig-once conflicts on the tablet (issue 20): the caller's conflicts (BAPPEDA and operators: all) from
 * GET /api/v1/projects/conflicts, open ones first, refreshed every POLL_MS; either OPD of a pair marks an open
 * one "dikoordinasikan" with a required note. A side the caller may not read shows only its OPD. Above the list,
 * the open conflicts older than the server's OVERLAP_UNRESOLVED_DAYS (GET /api/v1/projects/conflicts/unresolved,
 * what the scorecard lists), oldest first with their age.
 * Its texts live here (both languages) so this section merges without touching the page's strings file.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { projectConflict, projectConflictsResponse, unresolvedConflictsResponse, type RestResponse } from '@shared/rest';
import { WORK_TYPES } from '@shared/works';
import { checked, getJson } from '../lib/api/http';
import { useLang } from '../lib/react/hooks';
import type { Me } from './auth-api';

/** How often the list is fetched again (an ingest cycle of a registering agency system is minutes). */
const POLL_MS = 15_000;
const MAX_SHOWN = 50;
const NOTE_MAX = 1000;

type Conflict = RestResponse<'ProjectConflict'>;
type Side = Conflict['a'];

const TEXT = {
  id: {
    title: 'Tumpang tindih pekerjaan (gali sekali)',
    none: 'Tidak ada konflik pekerjaan.',
    error: 'Daftar konflik tidak dapat dimuat.',
    hidden: 'Sebuah proyek {{opd}} berkonflik di sini',
    distance: 'berjarak {{m}} m',
    sameKelurahan: 'kelurahan yang sama',
    overlap: 'tumpang tindih {{n}} hari',
    gap: 'selang {{n}} hari',
    hiddenFigures: 'jarak dan waktu tidak ditampilkan',
    truncated: 'Hanya konflik tertua yang ditampilkan.',
    open: 'Terbuka',
    coordinated: 'Dikoordinasikan',
    coordinate: 'Koordinasikan',
    note: 'Catatan koordinasi',
    submit: 'Simpan',
    cancel: 'Batal',
    refused: 'Server menolak: {{message}}',
    unresolved: 'Belum dikoordinasikan lebih dari {{n}} hari',
    unresolvedNone: 'Tidak ada konflik terbuka lebih dari {{n}} hari.',
    age: 'terbuka {{n}} hari',
  },
  en: {
    title: 'Overlapping works (dig once)',
    none: 'No conflicting works.',
    error: 'The conflict list could not be loaded.',
    hidden: 'A project of {{opd}} conflicts here',
    distance: '{{m}} m apart',
    sameKelurahan: 'same kelurahan',
    overlap: '{{n}} days overlap',
    gap: '{{n}} days apart',
    hiddenFigures: 'distance and timing not shown',
    truncated: 'Only the oldest conflicts are shown.',
    open: 'Open',
    coordinated: 'Coordinated',
    coordinate: 'Coordinate',
    note: 'Coordination note',
    submit: 'Save',
    cancel: 'Cancel',
    refused: 'The server refused: {{message}}',
    unresolved: 'Not coordinated for more than {{n}} days',
    unresolvedNone: 'No conflict open for more than {{n}} days.',
    age: 'open {{n}} days',
  },
} as const;

const fill = (s: string, vars: Record<string, string | number>) => s.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? ''));

export function ConflictsSection({ token, me }: { token: string; me: Me }) {
  const { lang } = useLang();
  const tx = TEXT[lang];
  const [list, setList] = useState<Conflict[] | null>(null);
  const [late, setLate] = useState<RestResponse<'UnresolvedConflicts'> | null>(null);
  const [failed, setFailed] = useState(false);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const auth = { Authorization: `Bearer ${token}` };
        const [body, old] = await Promise.all([
          getJson('/api/v1/projects/conflicts', projectConflictsResponse, auth, signal),
          getJson('/api/v1/projects/conflicts/unresolved', unresolvedConflictsResponse, auth, signal),
        ]);
        setList(body.conflicts);
        setLate(old);
        setFailed(false);
      } catch {
        if (!signal?.aborted) setFailed(true);
      }
    },
    [token],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void load(ctrl.signal);
    const timer = setInterval(() => void load(ctrl.signal), POLL_MS);
    return () => {
      ctrl.abort();
      clearInterval(timer);
    };
  }, [load]);

  const workName = (code: string | null) => {
    const w = WORK_TYPES.find((x) => x.code === code);
    return w ? w[lang] : null;
  };
  const sideText = (s: Side) =>
    s.hidden
      ? fill(tx.hidden, { opd: s.opd })
      : `${s.name} · ${s.opd}${workName(s.workType) ? ` · ${workName(s.workType)}` : ''} (${s.contractStart} – ${s.contractEnd})`;
  const mayCoordinate = (c: Conflict) => me.role === 'agency' && c.status === 'terbuka' && (c.a.opd === me.opd || c.b.opd === me.opd);

  async function submit(e: FormEvent, c: Conflict) {
    e.preventDefault();
    setProblem(null);
    const res = await fetch(`/api/v1/projects/conflicts/${c.id}/coordinate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ note: draft }),
    }).catch(() => null);
    if (!res) return setProblem(fill(tx.refused, { message: 'offline' }));
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) return setProblem(fill(tx.refused, { message: (body as { error?: string } | null)?.error ?? `HTTP ${res.status}` }));
    const done = checked('/api/v1/projects/conflicts/{id}/coordinate', projectConflict, body);
    setList((l) => (l ?? []).map((x) => (x.id === done.id ? done : x)));
    // a coordinated conflict is resolved: off the unresolved list at once
    setLate((u) => (u ? { ...u, conflicts: u.conflicts.filter((x) => x.id !== done.id) } : u));
    setEditing(null);
    setDraft('');
  }

  const shown = [...(list ?? [])].sort((a, b) => Number(a.status !== 'terbuka') - Number(b.status !== 'terbuka')).slice(0, MAX_SHOWN);
  return (
    <section className="alerts-card conflicts-card" aria-label={tx.title} data-testid="conflicts">
      <h2>{tx.title}</h2>
      {failed && <p role="alert">{tx.error}</p>}
      {late && (
        <div className="conflicts-unresolved" data-testid="conflicts-unresolved" data-days={late.olderThanDays}>
          <h3>{fill(tx.unresolved, { n: late.olderThanDays })}</h3>
          {late.conflicts.length === 0 ? (
            <p>{fill(tx.unresolvedNone, { n: late.olderThanDays })}</p>
          ) : (
            <ul className="plain-list">
              {late.conflicts.slice(0, MAX_SHOWN).map((c) => (
                <li key={c.id} data-conflict={c.id}>
                  <strong>{fill(tx.age, { n: Math.floor((late.detectedBefore - c.detectedAt) / 86_400_000) + late.olderThanDays })}</strong>
                  {' · '}
                  {sideText(c.a)} ↔ {sideText(c.b)}
                </li>
              ))}
            </ul>
          )}
          {late.truncated && <p>{tx.truncated}</p>}
        </div>
      )}
      {list !== null && list.length === 0 && <p>{tx.none}</p>}
      <ul className="plain-list">
        {shown.map((c) => (
          <li key={c.id} data-conflict={c.id} data-status={c.status}>
            <strong>{c.status === 'terbuka' ? tx.open : tx.coordinated}</strong>
            {' · '}
            {c.rule !== 'distance' ? tx.sameKelurahan : c.distanceM === null ? tx.hiddenFigures : fill(tx.distance, { m: Math.round(c.distanceM) })}
            {' · '}
            {c.overlapDays === null || c.gapDays === null
              ? tx.hiddenFigures
              : c.overlapDays > 0
                ? fill(tx.overlap, { n: c.overlapDays })
                : fill(tx.gap, { n: c.gapDays })}
            <div>{sideText(c.a)}</div>
            <div>{sideText(c.b)}</div>
            {c.note && (
              <div>
                <em>{c.note}</em> — {c.coordinatedBy}
              </div>
            )}
            {mayCoordinate(c) && editing !== c.id && (
              <button
                type="button"
                onClick={() => {
                  setEditing(c.id);
                  setDraft('');
                  setProblem(null);
                }}
              >
                {tx.coordinate}
              </button>
            )}
            {editing === c.id && (
              <form onSubmit={(e) => void submit(e, c)}>
                <label>
                  {tx.note}
                  <textarea value={draft} maxLength={NOTE_MAX} required onChange={(e) => setDraft(e.target.value)} />
                </label>
                <button type="submit" disabled={draft.trim() === ''}>
                  {tx.submit}
                </button>
                <button type="button" onClick={() => setEditing(null)}>
                  {tx.cancel}
                </button>
                {problem && <p role="alert">{problem}</p>}
              </form>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
