/** Real-switch tier (see tier.ts): the call controls on the double and on the real FreeSWITCH with baresip phones. */
import { defineTier } from './tier.js';
import { CONTROL_SCENARIOS } from './scenarios-controls.js';

defineTier('call controls on the double and the real switch', CONTROL_SCENARIOS);
