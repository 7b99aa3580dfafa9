/** Real-switch tier (see tier.ts): calls answered and ended by either side, a caller abandoning. */
import { defineTier } from './tier.js';

defineTier('call scenarios on the double and the real switch', ['call-caller-hangs-up', 'call-agent-hangs-up', 'caller-abandons']);
