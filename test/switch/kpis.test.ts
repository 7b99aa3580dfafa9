/** Real-switch tier (see tier.ts): live KPI counters equal SQL over the call records on both targets. */
import { defineTier } from './tier.js';

defineTier('KPIs on the double and the real switch', ['kpis-live-equal-sql']);
