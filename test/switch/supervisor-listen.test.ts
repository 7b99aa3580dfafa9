/** Real-switch tier (see supervisor-tier.ts): listen, and release with callcenter_break. */
import { defineSupervisorTier } from './supervisor-tier.js';

defineSupervisorTier(['listen'], true);
