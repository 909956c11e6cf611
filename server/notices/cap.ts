/**
 * Notices as other systems take them (pure, no I/O): CAP 1.2 (OASIS Common Alerting Protocol, the format BMKG
 * and InaTEWS warnings use) per notice, and an Atom feed whose entries link to each CAP message — the "CAP
 * index feed" aggregators such as Google Public Alerts harvest. Written by hand (a few elements, all escaped)
 * rather than through an XML library: the shapes are fixed and small.
 *
 * CAP choices, per notice kind:
 *   flood_warning     category Met,       certainty Likely,   responseType Prepare
 *   pump_maintenance  category Infra,     certainty Observed, responseType Monitor
 *   road_closure      category Transport, certainty Observed, responseType Avoid
 *   other             category Other,     certainty Observed, responseType None
 * urgency: Immediate when in force and a flood warning, Expected when in force, Future before its window.
 * msgType: Alert for the first version, Update for later ones, Cancel once withdrawn; Update and Cancel
 * reference the first version (sender,identifier,sent). Times are written in WIB (+07:00), as CAP wants
 * (an offset, never "Z").
 */
import type { NoticeKind, WireNotice } from '../../shared/notices';
import { toWib } from '../../shared/tickets';
import { assertNever } from '../../shared/ack';

export const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';
export const ATOM_NS = 'http://www.w3.org/2005/Atom';

/** What a notice's area is made of besides its own geometry: its kelurahan's names and outlines. */
export interface NoticeArea {
  names: string[];
  /** outer rings of the kelurahan boundaries, [lon, lat] positions */
  rings: [number, number][][];
}

export interface FeedContext {
  /** e.g. `https://sinergi.semarangkota.go.id` (no trailing slash) */
  base: string;
  /** CAP sender: unique to this installation (e.g. `sinergi@33.74`) */
  sender: string;
  cityName: string;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function capKind(kind: NoticeKind): { category: string; certainty: string; response: string; eventId: string } {
  switch (kind) {
    case 'flood_warning':
      return { category: 'Met', certainty: 'Likely', response: 'Prepare', eventId: 'Peringatan banjir' };
    case 'pump_maintenance':
      return { category: 'Infra', certainty: 'Observed', response: 'Monitor', eventId: 'Pemeliharaan pompa' };
    case 'road_closure':
      return { category: 'Transport', certainty: 'Observed', response: 'Avoid', eventId: 'Penutupan jalan' };
    case 'other':
      return { category: 'Other', certainty: 'Observed', response: 'None', eventId: 'Pengumuman' };
    default:
      return assertNever(kind);
  }
}

export function capUrgency(n: Pick<WireNotice, 'kind' | 'validFrom'>, now: number): 'Immediate' | 'Expected' | 'Future' {
  if (now < n.validFrom) return 'Future';
  return n.kind === 'flood_warning' ? 'Immediate' : 'Expected';
}

export function capMsgType(n: Pick<WireNotice, 'version' | 'withdrawnAt'>): 'Alert' | 'Update' | 'Cancel' {
  if (n.withdrawnAt !== null) return 'Cancel';
  return n.version > 1 ? 'Update' : 'Alert';
}

export const capIdentifier = (ctx: Pick<FeedContext, 'sender'>, id: number, version: number) => `${ctx.sender}.notice.${id}.${version}`;

/** A CAP polygon: "lat,lon lat,lon …", closed (first = last). */
export function capPolygon(ring: readonly (readonly [number, number] | readonly number[])[]): string {
  const pts = ring.map((p) => `${p[1]},${p[0]}`);
  if (pts.length && pts[0] !== pts[pts.length - 1]) pts.push(pts[0]!);
  return pts.join(' ');
}

/** One notice as a CAP 1.2 alert message. */
export function renderCap(n: WireNotice, area: NoticeArea, ctx: FeedContext, now: number): string {
  const k = capKind(n.kind);
  const msgType = capMsgType(n);
  const sent = msgType === 'Alert' ? n.createdAt : n.updatedAt;
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<alert xmlns="${CAP_NS}">`,
    `  <identifier>${escapeXml(capIdentifier(ctx, n.id, n.version))}</identifier>`,
    `  <sender>${escapeXml(ctx.sender)}</sender>`,
    `  <sent>${toWib(sent)}</sent>`,
    '  <status>Actual</status>',
    `  <msgType>${msgType}</msgType>`,
    '  <scope>Public</scope>',
  ];
  if (msgType !== 'Alert')
    lines.push(`  <references>${escapeXml(`${ctx.sender},${capIdentifier(ctx, n.id, 1)},${toWib(n.createdAt)}`)}</references>`);
  lines.push(
    '  <info>',
    '    <language>id-ID</language>',
    `    <category>${k.category}</category>`,
    `    <event>${escapeXml(k.eventId)}</event>`,
    `    <responseType>${k.response}</responseType>`,
    `    <urgency>${msgType === 'Cancel' ? 'Past' : capUrgency(n, now)}</urgency>`,
    `    <severity>${cap(n.severity)}</severity>`,
    `    <certainty>${k.certainty}</certainty>`,
    `    <effective>${toWib(n.validFrom)}</effective>`,
    `    <onset>${toWib(n.validFrom)}</onset>`,
    `    <expires>${toWib(msgType === 'Cancel' ? Math.min(n.validUntil, n.withdrawnAt ?? n.validUntil) : n.validUntil)}</expires>`,
    `    <senderName>${escapeXml(ctx.cityName + (n.opd ? ` — ${n.opd}` : ''))}</senderName>`,
    `    <headline>${escapeXml(n.headline)}</headline>`,
    `    <description>${escapeXml(n.description)}</description>`,
  );
  if (n.instruction) lines.push(`    <instruction>${escapeXml(n.instruction)}</instruction>`);
  lines.push(`    <web>${escapeXml(`${ctx.base}/public#pengumuman-${n.id}`)}</web>`, '    <area>');
  lines.push(`      <areaDesc>${escapeXml(area.names.length ? area.names.join(', ') : n.headline)}</areaDesc>`);
  if (n.geometry?.type === 'Polygon') lines.push(`      <polygon>${capPolygon(n.geometry.coordinates[0]!)}</polygon>`);
  for (const ring of area.rings) lines.push(`      <polygon>${capPolygon(ring)}</polygon>`);
  // a point is a small circle (CAP has no point): 0.5 km around it
  if (n.geometry?.type === 'Point') lines.push(`      <circle>${n.geometry.coordinates[1]},${n.geometry.coordinates[0]} 0.5</circle>`);
  for (const code of n.regions) lines.push(`      <geocode><valueName>KEMENDAGRI</valueName><value>${escapeXml(code)}</value></geocode>`);
  lines.push('    </area>', '  </info>', '</alert>', '');
  return lines.join('\n');
}

/** The Atom feed of notices (newest change first); each entry links to its page anchor and its CAP message. */
export function renderAtom(notices: readonly WireNotice[], ctx: FeedContext, now: number): string {
  const updated = notices.reduce((t, n) => Math.max(t, n.updatedAt), 0) || now;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="${ATOM_NS}" xml:lang="id">`,
    `  <id>${escapeXml(`urn:sinergi:${ctx.sender}:notices`)}</id>`,
    `  <title>${escapeXml(`Pengumuman publik — ${ctx.cityName}`)}</title>`,
    `  <updated>${new Date(updated).toISOString()}</updated>`,
    `  <author><name>${escapeXml(ctx.cityName)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(`${ctx.base}/api/public/v1/notices.atom`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(`${ctx.base}/public`)}"/>`,
  ];
  for (const n of [...notices].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id)) {
    const withdrawn = n.withdrawnAt !== null;
    out.push(
      '  <entry>',
      `    <id>${escapeXml(`urn:sinergi:${ctx.sender}:notice:${n.id}`)}</id>`,
      `    <title>${escapeXml((withdrawn ? '[Dicabut] ' : '') + n.headline)}</title>`,
      `    <published>${new Date(n.createdAt).toISOString()}</published>`,
      `    <updated>${new Date(n.updatedAt).toISOString()}</updated>`,
      `    <category term="${n.kind}"/>`,
      `    <summary>${escapeXml(n.description + (n.instruction ? `\n\n${n.instruction}` : ''))}</summary>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(`${ctx.base}/public#pengumuman-${n.id}`)}"/>`,
      `    <link rel="alternate" type="application/cap+xml" href="${escapeXml(`${ctx.base}/api/public/v1/notices/${n.id}.cap`)}"/>`,
      '  </entry>',
    );
  }
  out.push('</feed>', '');
  return out.join('\n');
}
