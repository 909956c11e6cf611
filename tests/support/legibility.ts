/**
 * Legibility of a wall screen, measured in the page: the rendered font size of every visible piece of text and
 * whether any text is cut (`scrollWidth > clientWidth` or `scrollHeight > clientHeight` on an element that hides
 * its overflow). Used by the wall browser tests at 1080p and 4K: captions and ages at least 18 px (36 px at 4K),
 * KPI values at least 48 px (96 px), nothing clipped.
 */
import type { Page } from 'playwright-core';

export interface TextProbe {
  /** A short CSS path of the element (tag.class, up to two ancestors). */
  where: string;
  text: string;
  px: number;
}

export interface Legibility {
  /** Every visible element that holds text directly. */
  texts: TextProbe[];
  /** The KPI values (`[data-kpi-value]`). */
  kpiValues: TextProbe[];
  /** Elements whose text is cut by their box (with the overflow in px). */
  clipped: (TextProbe & { overflowX: number; overflowY: number })[];
}

/** Measures the text inside `root` (default the whole wall). */
export function measureLegibility(page: Page, root = '[data-testid="wall"]'): Promise<Legibility> {
  return page.evaluate((rootSel) => {
    const rootEl = document.querySelector(rootSel);
    const where = (el: Element): string => {
      const part = (e: Element) => e.tagName.toLowerCase() + (e.classList.length ? '.' + [...e.classList].slice(0, 2).join('.') : '');
      const parts = [part(el)];
      if (el.parentElement) parts.unshift(part(el.parentElement));
      const panel = el.closest('[data-testid^="panel-"],[data-testid^="kpi-"]');
      if (panel) parts.unshift(`[${panel.getAttribute('data-testid')}]`);
      return parts.join(' > ');
    };
    const visible = (el: Element): boolean => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      for (let e: Element | null = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return false;
      }
      return true;
    };
    const texts: TextProbe[] = [];
    const kpiValues: TextProbe[] = [];
    const clipped: (TextProbe & { overflowX: number; overflowY: number })[] = [];
    if (!rootEl) return { texts, kpiValues, clipped };
    for (const el of [rootEl, ...rootEl.querySelectorAll('*')]) {
      if (el instanceof SVGElement || el.closest('canvas, svg, .maplibregl-map .maplibregl-canvas-container')) continue;
      const own = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (!own || !visible(el)) continue;
      const cs = getComputedStyle(el);
      const probe = { where: where(el), text: own.slice(0, 60), px: parseFloat(cs.fontSize) };
      texts.push(probe);
      if (el.hasAttribute('data-kpi-value')) kpiValues.push(probe);
    }
    // clipping: any element that hides overflow and is smaller than its content, when it holds text
    for (const el of [rootEl, ...rootEl.querySelectorAll('*')]) {
      if (!(el instanceof HTMLElement) || !el.textContent?.trim() || !visible(el)) continue;
      if (el.closest('.maplibregl-map')) continue;
      const cs = getComputedStyle(el);
      const hidesX = cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis';
      const hidesY = cs.overflowY !== 'visible';
      const overflowX = hidesX ? el.scrollWidth - el.clientWidth : 0;
      const overflowY = hidesY ? el.scrollHeight - el.clientHeight : 0;
      if (overflowX > 1 || overflowY > 1) {
        clipped.push({ where: where(el), text: el.textContent.trim().slice(0, 60), px: parseFloat(cs.fontSize), overflowX, overflowY });
      }
    }
    return { texts, kpiValues, clipped };
  }, root);
}
