/** Real-switch tier (see supervisor-tier.ts): whisper and barge, verified by ear. */
import { defineSupervisorTier } from './supervisor-tier.js';

defineSupervisorTier(['whisper', 'barge'], false);
