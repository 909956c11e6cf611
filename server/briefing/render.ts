/**
 * The weekly briefing drawn from its figures (figures.ts), twice: a PDF made with pdfkit (vector bar and line
 * charts drawn with its path API, Noto Sans embedded from @fontsource/noto-sans, so nothing depends on a
 * browser or the fonts of the machine) and a self-contained HTML page (inline SVG charts, no script, no
 * remote resource). Both are in Bahasa Indonesia, the language of the kepala daerah's office; numbers are
 * formatted the Indonesian way (1.234,5). Pure except for reading the font files once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { BriefingFigures } from './figures';

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | null = null;
function loadFonts() {
  fonts ??= {
    regular: readFileSync(require.resolve('@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff')),
    bold: readFileSync(require.resolve('@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff')),
  };
  return fonts;
}

const nf = (d: number) => new Intl.NumberFormat('id-ID', { maximumFractionDigits: d, minimumFractionDigits: 0 });
export const fmtInt = (n: number) => nf(0).format(n);
export const fmtPct = (share: number | null) => (share === null ? '–' : `${nf(1).format(share * 100)}%`);
export const fmtHours = (h: number | null) => (h === null ? '–' : `${nf(1).format(h)} jam`);
const fmtRp = (n: number) => `Rp ${nf(0).format(Math.round(n / 1_000_000))} jt`;
const fmtDate = (t: number, offsetMin: number) =>
  new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(t + offsetMin * 60_000));
const trendWord = (d: 'better' | 'worse' | 'same' | null) => (d === 'better' ? 'membaik' : d === 'worse' ? 'memburuk' : d === 'same' ? 'tetap' : '–');
const DAYS = ['Sen', 'Sel', 'Rab', 'Kam', 'Jum', 'Sab', 'Min'];

/** The briefing's sections as rows of text: what both renderers print, so the page and the PDF say the same. */
export function briefingSections(f: BriefingFigures, offsetMin: number) {
  return {
    title: `Laporan Mingguan Kepala Daerah — ${f.week}`,
    period: `${fmtDate(f.periodStart, offsetMin)} – ${fmtDate(f.periodEnd - 1, offsetMin)}`,
    summary: [
      `Peringatan: ${fmtInt(f.alerts.total)} (Awas ${fmtInt(f.alerts.byLevel.awas)}, Siaga ${fmtInt(f.alerts.byLevel.siaga)}), belum ditanggapi ${fmtInt(f.alerts.unacknowledged)}`,
      `Insiden: ${fmtInt(f.incidents.opened)} dibuka, ${fmtInt(f.incidents.closed)} selesai, ${fmtInt(f.incidents.openNow)} masih terbuka`,
      `Aduan warga: ${fmtInt(f.complaints.received)} diterima (minggu lalu ${fmtInt(f.complaints.receivedPrevious)})`,
      `Proyek: ${fmtInt(f.projects.late.length)} dari ${fmtInt(f.projects.total)} terlambat; serapan anggaran ${fmtPct(f.projects.absorbedShare)}`,
    ],
    rankingHeader: ['#', 'OPD', 'Tepat SLA 30 hari', 'Tren', 'Ditolak', 'Median', 'Terbuka', 'Lewat SLA', 'Data segar 24 jam'],
    ranking: f.ranking.map((r) => [
      String(r.rank),
      r.name,
      fmtPct(r.serviceShare30d),
      trendWord(r.serviceTrend30d.direction),
      fmtPct(r.rejectedShare30d),
      fmtHours(r.medianHours30d),
      fmtInt(r.open),
      fmtInt(r.overdue),
      fmtPct(r.dataFresh24h),
    ]),
    lateHeader: ['Proyek', 'OPD', 'Progres', 'Rencana', 'Serapan'],
    late: f.projects.late.map((p) => [
      p.name,
      p.opd,
      p.progress === null ? '–' : `${nf(1).format(p.progress)}%`,
      p.plan === null ? '–' : `${nf(1).format(p.plan)}%`,
      fmtPct(p.absorbedShare),
    ]),
    budget: `Nilai kontrak/pagu ${fmtRp(f.projects.contractValue)}, terserap ${fmtRp(f.projects.budgetAbsorbed)} (${fmtPct(f.projects.absorbedShare)})`,
    kecamatanHeader: ['Kecamatan', 'Minggu ini', 'Minggu lalu', 'Selisih'],
    kecamatan: f.complaints.byKecamatan.map((k) => [
      k.name,
      fmtInt(k.received),
      fmtInt(k.previous),
      `${k.received - k.previous >= 0 ? '+' : ''}${fmtInt(k.received - k.previous)}`,
    ]),
  };
}

// ---- HTML -------------------------------------------------------------------------------------------------

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function svgBars(title: string, labels: readonly string[], series: readonly { name: string; color: string; values: readonly number[] }[]): string {
  const w = 640;
  const h = 220;
  const pad = 30;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const group = (w - 2 * pad) / Math.max(1, labels.length);
  const bw = Math.max(2, (group * 0.8) / series.length);
  const bars = labels
    .map(
      (l, i) =>
        series
          .map((s, j) => {
            const bh = ((s.values[i] ?? 0) / max) * (h - 2 * pad);
            return `<rect x="${(pad + i * group + j * bw).toFixed(1)}" y="${(h - pad - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${s.color}"/>`;
          })
          .join('') +
        `<text x="${(pad + i * group + group / 2).toFixed(1)}" y="${h - pad + 14}" font-size="10" text-anchor="middle">${esc(l.slice(0, 12))}</text>`,
    )
    .join('');
  const legend = series
    .map(
      (s, j) =>
        `<rect x="${pad + j * 120}" y="4" width="10" height="10" fill="${s.color}"/><text x="${pad + j * 120 + 14}" y="13" font-size="11">${esc(s.name)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}">${legend}<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#555"/>${bars}<text x="${pad - 4}" y="${pad}" font-size="10" text-anchor="end">${max}</text></svg></figure>`;
}

function svgLine(title: string, labels: readonly string[], values: readonly number[], color: string): string {
  const w = 640;
  const h = 200;
  const pad = 30;
  const max = Math.max(1, ...values);
  const x = (i: number) => pad + (i * (w - 2 * pad)) / Math.max(1, labels.length - 1);
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const ticks = labels
    .map((l, i) => `<text x="${x(i).toFixed(1)}" y="${h - pad + 14}" font-size="10" text-anchor="middle">${esc(l)}</text>`)
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}"><line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#555"/><polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>${ticks}<text x="${pad - 4}" y="${pad}" font-size="10" text-anchor="end">${max}</text></svg></figure>`;
}

const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.length
      ? rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')
      : `<tr><td colspan="${header.length}">Tidak ada</td></tr>`
  }</tbody></table>`;

export function renderHtml(f: BriefingFigures, offsetMin: number): string {
  const s = briefingSections(f, offsetMin);
  const top = f.complaints.byKecamatan.slice(0, 10);
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(s.title)}</title>
<style>body{font-family:'Noto Sans',system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left}
th{background:#f0f2f5}figure{margin:1rem 0}figcaption{font-weight:600}svg{width:100%;height:auto}</style></head>
<body><header><h1>${esc(s.title)}</h1><p>${esc(s.period)}</p></header>
<section id="ringkasan"><h2>Ringkasan</h2><ul>${s.summary.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>
<section id="peringatan"><h2>Peringatan per hari</h2>${svgLine(
    'Peringatan dibuka per hari',
    DAYS,
    DAYS.map((_, d) => f.alerts.byDay.find((x) => x.day === d)?.n ?? 0),
    '#c0392b',
  )}</section>
<section id="opd"><h2>Kinerja OPD</h2>${table(s.rankingHeader, s.ranking)}${svgBars(
    'Tepat SLA 30 hari (%)',
    f.ranking.map((r) => r.opd),
    [{ name: 'Tepat SLA', color: '#2e7d32', values: f.ranking.map((r) => Math.round((r.serviceShare30d ?? 0) * 100)) }],
  )}</section>
<section id="aduan"><h2>Aduan warga per kecamatan</h2>${svgBars(
    'Aduan diterima per kecamatan',
    top.map((k) => k.name),
    [
      { name: 'Minggu ini', color: '#1565c0', values: top.map((k) => k.received) },
      { name: 'Minggu lalu', color: '#90a4ae', values: top.map((k) => k.previous) },
    ],
  )}${table(s.kecamatanHeader, s.kecamatan)}</section>
<section id="proyek"><h2>Proyek terlambat dan serapan anggaran</h2><p>${esc(s.budget)}</p>${table(s.lateHeader, s.late)}</section>
<script type="application/json" id="figures">${JSON.stringify(f).replace(/</g, '\\u003c')}</script>
</body></html>`;
}

// ---- PDF --------------------------------------------------------------------------------------------------

type Doc = InstanceType<typeof PDFDocument>;
const MARGIN = 48;

function pdfTable(doc: Doc, header: readonly string[], rows: readonly (readonly string[])[], widths: readonly number[]) {
  const draw = (cells: readonly string[], bold: boolean) => {
    if (doc.y > doc.page.height - MARGIN - 20) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    doc.font(bold ? 'bold' : 'regular').fontSize(8);
    let hMax = 0;
    cells.forEach((c, i) => {
      const h = doc.heightOfString(c, { width: widths[i]! - 4 });
      hMax = Math.max(hMax, h);
      doc.text(c, x + 2, y, { width: widths[i]! - 4, lineBreak: true });
      x += widths[i]!;
    });
    doc
      .moveTo(MARGIN, y + hMax + 2)
      .lineTo(MARGIN + widths.reduce((a, b) => a + b, 0), y + hMax + 2)
      .strokeColor('#cccccc')
      .lineWidth(0.5)
      .stroke();
    doc.y = y + hMax + 4;
    doc.x = MARGIN;
  };
  draw(header, true);
  if (rows.length === 0) draw(['Tidak ada'], false);
  for (const r of rows) draw(r, false);
  doc.moveDown(0.5);
}

function pdfBars(doc: Doc, title: string, labels: readonly string[], series: readonly { name: string; color: string; values: readonly number[] }[]) {
  const w = doc.page.width - 2 * MARGIN;
  const h = 150;
  if (doc.y + h + 40 > doc.page.height - MARGIN) doc.addPage();
  doc.font('bold').fontSize(10).fillColor('#000000').text(title, MARGIN, doc.y);
  const top = doc.y + 14;
  const base = top + h;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const group = w / Math.max(1, labels.length);
  const bw = Math.max(2, (group * 0.8) / series.length);
  series.forEach((s, j) => {
    doc.rect(MARGIN + j * 110, top - 12, 8, 8).fill(s.color);
    doc
      .font('regular')
      .fontSize(8)
      .fillColor('#000000')
      .text(s.name, MARGIN + j * 110 + 12, top - 13);
  });
  labels.forEach((l, i) => {
    series.forEach((s, j) => {
      const bh = ((s.values[i] ?? 0) / max) * (h - 10);
      if (bh > 0) doc.rect(MARGIN + i * group + j * bw, base - bh, bw, bh).fill(s.color);
    });
    doc
      .font('regular')
      .fontSize(6.5)
      .fillColor('#000000')
      .text(l.slice(0, 14), MARGIN + i * group, base + 3, { width: group, align: 'center', lineBreak: false });
  });
  doc
    .moveTo(MARGIN, base)
    .lineTo(MARGIN + w, base)
    .strokeColor('#555555')
    .lineWidth(0.7)
    .stroke();
  doc
    .font('regular')
    .fontSize(7)
    .text(String(max), MARGIN - 28, top, { width: 24, align: 'right' });
  doc.x = MARGIN;
  doc.y = base + 18;
}

function pdfLine(doc: Doc, title: string, labels: readonly string[], values: readonly number[], color: string) {
  const w = doc.page.width - 2 * MARGIN;
  const h = 120;
  if (doc.y + h + 40 > doc.page.height - MARGIN) doc.addPage();
  doc.font('bold').fontSize(10).fillColor('#000000').text(title, MARGIN, doc.y);
  const top = doc.y + 6;
  const base = top + h;
  const max = Math.max(1, ...values);
  const x = (i: number) => MARGIN + 10 + (i * (w - 20)) / Math.max(1, labels.length - 1);
  const y = (v: number) => base - (v / max) * (h - 10);
  doc
    .moveTo(MARGIN, base)
    .lineTo(MARGIN + w, base)
    .strokeColor('#555555')
    .lineWidth(0.7)
    .stroke();
  values.forEach((v, i) => (i === 0 ? doc.moveTo(x(i), y(v)) : doc.lineTo(x(i), y(v))));
  doc.strokeColor(color).lineWidth(2).stroke();
  values.forEach((v, i) => doc.circle(x(i), y(v), 2.5).fill(color));
  labels.forEach((l, i) =>
    doc
      .font('regular')
      .fontSize(7)
      .fillColor('#000000')
      .text(l, x(i) - 20, base + 3, { width: 40, align: 'center', lineBreak: false }),
  );
  doc
    .font('regular')
    .fontSize(7)
    .text(String(max), MARGIN - 28, top, { width: 24, align: 'right' });
  doc.x = MARGIN;
  doc.y = base + 18;
}

/** The PDF (A4, Noto Sans embedded) as bytes. */
export async function renderPdf(f: BriefingFigures, offsetMin: number, generatedAt: number): Promise<Buffer> {
  const s = briefingSections(f, offsetMin);
  const { regular, bold } = loadFonts();
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: s.title, Author: 'Sinergi', CreationDate: new Date(generatedAt) } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  const h2 = (t: string) => {
    if (doc.y > doc.page.height - MARGIN - 60) doc.addPage();
    doc.moveDown(0.5).font('bold').fontSize(13).fillColor('#0d47a1').text(t, MARGIN).fillColor('#000000').moveDown(0.3);
  };

  doc.font('bold').fontSize(18).text(s.title);
  doc.font('regular').fontSize(10).text(s.period).moveDown();
  h2('Ringkasan');
  for (const l of s.summary) doc.font('regular').fontSize(10).text(`•  ${l}`);
  doc.moveDown(0.5);
  pdfLine(
    doc,
    'Peringatan dibuka per hari',
    DAYS,
    DAYS.map((_, d) => f.alerts.byDay.find((x) => x.day === d)?.n ?? 0),
    '#c0392b',
  );
  h2('Kinerja OPD');
  pdfTable(doc, s.rankingHeader, s.ranking, [18, 120, 60, 50, 42, 48, 40, 45, 76]);
  pdfBars(
    doc,
    'Tepat SLA 30 hari (%)',
    f.ranking.map((r) => r.opd),
    [{ name: 'Tepat SLA', color: '#2e7d32', values: f.ranking.map((r) => Math.round((r.serviceShare30d ?? 0) * 100)) }],
  );
  doc.addPage();
  h2('Aduan warga per kecamatan');
  const top = f.complaints.byKecamatan.slice(0, 10);
  pdfBars(
    doc,
    'Aduan diterima per kecamatan',
    top.map((k) => k.name),
    [
      { name: 'Minggu ini', color: '#1565c0', values: top.map((k) => k.received) },
      { name: 'Minggu lalu', color: '#90a4ae', values: top.map((k) => k.previous) },
    ],
  );
  pdfLine(
    doc,
    'Aduan diterima per hari',
    DAYS,
    f.complaints.byDay.map((d) => d.received),
    '#1565c0',
  );
  pdfTable(doc, s.kecamatanHeader, s.kecamatan, [200, 90, 90, 90]);
  h2('Proyek terlambat dan serapan anggaran');
  doc.font('regular').fontSize(10).text(s.budget).moveDown(0.3);
  pdfBars(
    doc,
    'Serapan anggaran per OPD (%)',
    f.projects.byOpd.map((o) => o.opd),
    [{ name: 'Serapan', color: '#6a1b9a', values: f.projects.byOpd.map((o) => Math.round((o.share ?? 0) * 100)) }],
  );
  pdfTable(doc, s.lateHeader, s.late, [200, 80, 70, 70, 79]);
  doc.end();
  return done;
}
