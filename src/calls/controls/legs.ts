import type { LegView } from '../types.js';

/** A leg that has not hung up, or null. */
export function alive(leg: LegView | null | undefined): LegView | null {
  return leg && !leg.gone && leg.state !== 'hangup' ? leg : null;
}
