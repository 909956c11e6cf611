/**
 * deck.gl's HexagonLayer with its lattice anchored at a fixed point (`anchor`, the city's bounding-box centre)
 * instead of the centre of the data's bounds: a complaint stays in its hexagon whatever else arrives, and the
 * rewind's server-side counts (db/queries/replay.ts, shared/hexbin.ts) are per exactly these hexagons — the server
 * sends one weighted point per hexagon, at its centre, and this layer bins it where it was counted.
 *
 * HexagonLayer (deck.gl 9.4) computes the lattice in a private `_updateBinOptions`; this replaces it on the
 * subclass's prototype (TypeScript does not let a subclass override a private member) with the same steps, the
 * origin and radius taken from shared/hexbin.ts's `hexLattice(anchor)`. Without an anchor it is HexagonLayer.
 */
import { HexagonLayer, type HexagonLayerProps } from '@deck.gl/aggregation-layers';
import { WebMercatorViewport, type Viewport } from '@deck.gl/core';
import { hexLattice, hexOf } from '@shared/hexbin';

export type AnchoredHexagonLayerProps<D> = HexagonLayerProps<D> & {
  /** [lon, lat] the lattice is anchored at (a hexagon's centre); absent: deck.gl's default (the data's centre). */
  anchor?: [number, number] | null;
};

type BinState = { radiusCommon: number; hexOriginCommon: [number, number]; binIdRange: [number, number][]; aggregatorViewport: Viewport };

export class AnchoredHexagonLayer<D = unknown> extends HexagonLayer<D, { anchor?: [number, number] | null }> {
  static override layerName = 'AnchoredHexagonLayer';
  static override defaultProps = { ...HexagonLayer.defaultProps, anchor: null };
}

const base = (HexagonLayer.prototype as unknown as { _updateBinOptions: () => void })._updateBinOptions;

(AnchoredHexagonLayer.prototype as unknown as { _updateBinOptions: () => void })._updateBinOptions = function (this: AnchoredHexagonLayer) {
  const anchor = this.props.anchor;
  const bounds = this.getBounds() as [number[], number[]] | null;
  if (!anchor || !bounds || !Number.isFinite(bounds[0][0]!) || !this.context.viewport.isGeospatial) return base.call(this);
  const lattice = hexLattice(anchor, this.props.radius);
  // the GPU aggregation projects positions relative to this viewport's centre: the lattice origin
  const viewport = new WebMercatorViewport({ longitude: anchor[0], latitude: anchor[1], zoom: 12 });
  const hexOriginCommon: [number, number] = [Math.fround(viewport.center[0]!), Math.fround(viewport.center[1]!)];
  // every datum's hexagon lies within the hexagons of the data bounds' corners (padded by one, as deck.gl does)
  const corners = [
    [bounds[0][0]!, bounds[0][1]!],
    [bounds[1][0]!, bounds[1][1]!],
    [bounds[0][0]!, bounds[1][1]!],
    [bounds[1][0]!, bounds[0][1]!],
  ].map(([lon, lat]) => hexOf(lattice, lon!, lat!));
  const binIdRange: [number, number][] = [
    [Math.min(...corners.map((c) => c[0])) - 1, Math.max(...corners.map((c) => c[0])) + 2],
    [Math.min(...corners.map((c) => c[1])) - 1, Math.max(...corners.map((c) => c[1])) + 2],
  ];
  const next: BinState = { radiusCommon: lattice.radiusCommon, hexOriginCommon, binIdRange, aggregatorViewport: viewport };
  this.setState(next);
};
