/** Real-switch tier (see tier.ts): agents, changes behind the gateway's back, desk-phone codes, an agent not answering. */
import { defineTier } from './tier.js';

defineTier('agent scenarios on the double and the real switch', ['agent-lifecycle', 'fs-cli-behind-the-gateway', 'desk-phone-feature-codes', 'agent-does-not-answer'], { reportSkip: true });
