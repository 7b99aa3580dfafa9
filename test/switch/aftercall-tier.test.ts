/** Real-switch tier (see tier.ts): after-call work ended early, on the double and the real switch alike. */
import { defineTier } from './tier.js';

defineTier('after-call work on the double and the real switch', ['acw-end-early']);
