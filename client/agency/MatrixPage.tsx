import { useTranslation } from 'react-i18next';
import type { SharingMatrix } from '@shared/sharing';
import type { CatalogResponse } from '../lib/api/catalog';
import { useLang, usePolled } from '../lib/react/hooks';
import { fetchSharingMatrix } from '../features/sharing/api';

/** What one OPD × item cell of the matrix says (pure: the server sends only shared, suspended and requested pairs). */
export function matrixCell(
  m: SharingMatrix,
  opd: string,
  item: SharingMatrix['items'][number],
): { state: 'own' | 'publik' | 'shared' | 'suspended' | 'requested' | 'none'; openRequests: number } {
  if (item.ownerOpd === opd) return { state: 'own', openRequests: 0 };
  const c = m.cells.find((x) => x.opd === opd && x.itemType === item.itemType && x.itemCode === item.code);
  if (c) return { state: c.state, openRequests: c.openRequests };
  return { state: item.class === 'publik' ? 'publik' : 'none', openRequests: 0 };
}

/** The needs-and-availability matrix (issue 19): items as rows (owner, class, open requests), OPDs as columns. Admins and Bappeda. */
export function MatrixPage({ token, catalog, onBack }: { token: string; catalog: CatalogResponse; onBack: () => void }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const { data, failed } = usePolled((signal) => fetchSharingMatrix(token, signal), 15_000, token);
  const name = (type: 'metric' | 'event_kind', code: string) => {
    const x = type === 'metric' ? catalog.metrics.find((m) => m.code === code) : catalog.eventKinds.find((k) => k.code === code);
    return x ? (lang === 'en' ? x.nameEn : x.nameId) : code;
  };
  return (
    <section className="incidents-card sharing-matrix" data-testid="sharing-matrix" data-state={data ? 'ready' : 'loading'}>
      <div className="catalog-head">
        <button type="button" onClick={onBack}>
          ← {t('sharing.back')}
        </button>
        <h2>{t('sharing.matrix.title')}</h2>
      </div>
      <p className="muted">{t('sharing.matrix.lead')}</p>
      {failed && !data && <p className="error">{t('sharing.matrix.forbidden')}</p>}
      {data && (
        <div className="matrix-scroll">
          <table>
            <thead>
              <tr>
                <th>{t('sharing.matrix.item')}</th>
                <th>{t('sharing.matrix.class')}</th>
                <th>{t('sharing.matrix.open')}</th>
                {data.opd.map((o) => (
                  <th key={o.code} title={o.name}>
                    {o.code}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.items.map((i) => (
                <tr key={`${i.itemType}:${i.code}`} data-testid="matrix-row" data-code={i.code}>
                  <th scope="row">
                    {name(i.itemType, i.code)} <small>({i.ownerOpd})</small>
                  </th>
                  <td className={`class class-${i.class}`}>{i.class}</td>
                  <td>{i.openRequests || ''}</td>
                  {data.opd.map((o) => {
                    const c = matrixCell(data, o.code, i);
                    return (
                      <td key={o.code} className={`cell-${c.state}`} data-opd={o.code} data-state={c.state}>
                        {t(`sharing.matrix.${c.state}`)}
                        {c.openRequests > 0 && c.state !== 'requested' ? ` +${c.openRequests}` : ''}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
