/** Real-switch tier (see tier.ts): calls answered, ended by either side, abandoned, not answered. */
import { defineTier } from './tier.js';

defineTier('call scenarios on the double and the real switch', ['call-caller-hangs-up', 'call-agent-hangs-up', 'caller-abandons', 'agent-does-not-answer']);
