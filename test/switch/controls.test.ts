/**
 * Real-switch tier (see tier.ts): the call controls on the double and on the real FreeSWITCH with
 * baresip phones; consult and conference here on the real switch (on the double: test/calls/consult-double.test.ts).
 */
import { defineTier } from './tier.js';
import { CONTROL_SCENARIOS } from './scenarios-controls.js';
import { consultTests } from './consult-real.js';

defineTier('call controls on the double and the real switch', CONTROL_SCENARIOS, { extra: consultTests });
