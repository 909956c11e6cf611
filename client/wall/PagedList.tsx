/**
 * A list that never cuts a row: it shows as many whole rows as fit its box and, when there are more, turns to
 * the next page every `pageMs` (a wall has no scroll bar and no hand on a mouse). Rows are measured after
 * layout (the tallest visible row, so a row with a second line never spills); a resize re-measures.
 * `data-page` / `data-pages` tell tests (and the "1/3" tag tells people) where the list is.
 */
import { Children, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export const PAGE_MS = 8_000;

/** How many rows of height `rowPx` fit in `boxPx` with `gapPx` between rows (at least one). */
export function rowsThatFit(boxPx: number, rowPx: number, gapPx: number): number {
  if (!(rowPx > 0) || !(boxPx > 0)) return 1;
  return Math.max(1, Math.floor((boxPx + gapPx) / (rowPx + gapPx) + 1e-6));
}

export function PagedList({
  children,
  className,
  as: Tag = 'ol',
  pageMs = PAGE_MS,
  testId,
}: {
  children: ReactNode;
  className: string;
  as?: 'ol' | 'ul' | 'div';
  pageMs?: number;
  testId?: string;
}) {
  const items = Children.toArray(children);
  const ref = useRef<HTMLElement | null>(null);
  const [perPage, setPerPage] = useState(items.length || 1);
  const [page, setPage] = useState(0);
  const [boxH, setBoxH] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const current = page % pages;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setBoxH(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // The tallest row seen since the box or the list last changed: monotonic, so the page size cannot flip-flop
  // between a page with a two-line row and one without.
  const tallest = useRef({ key: '', px: 0 });

  // Measure the rows on screen; the list shows everything until the first measure says what fits.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || el.children.length === 0) return;
    const key = `${boxH}:${items.length}`;
    if (tallest.current.key !== key) tallest.current = { key, px: 0 };
    const rowPx = Math.max(tallest.current.px, ...[...el.children].map((c) => (c as HTMLElement).offsetHeight));
    tallest.current.px = rowPx;
    const gapPx = parseFloat(getComputedStyle(el).rowGap) || 0;
    const n = rowsThatFit(el.clientHeight, rowPx, gapPx);
    if (n !== perPage) setPerPage(n);
    // children: a row that gained a second line (an acknowledgement) is measured again
  }, [boxH, items.length, perPage, current, children]);

  useEffect(() => {
    if (pages <= 1) return;
    const timer = setInterval(() => setPage((p) => p + 1), pageMs);
    return () => clearInterval(timer);
  }, [pages, pageMs]);

  const shown = items.slice(current * perPage, current * perPage + perPage);
  return (
    <Tag
      ref={ref as never}
      className={`paged ${className}`}
      data-testid={testId}
      data-page={current + 1}
      data-pages={pages}
      data-page-label={pages > 1 ? `${current + 1}/${pages}` : undefined}
    >
      {shown}
    </Tag>
  );
}
