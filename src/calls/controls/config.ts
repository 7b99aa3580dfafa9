/**
 * Admin settings of the call controls, from the environment:
 * - TRANSFER_CONTEXT: dialplan context of blind transfers to an extension (default `default`);
 * - TRANSFER_NUMBER_ROUTES: the only way to transfer to an outside number, an allow-list
 *   `regex=>context;regex=>context` (`;` between routes, since a regex may hold commas); the number must
 *   match a route's regex in full, and is transferred to that context. Empty (default): none allowed;
 * - CONTROL_TIMEOUT_MS: how long a control waits for the switch's confirming event (default 5000).
 */
// Used only inside controlsConfig(): config.ts imports this module, so the class is read at call time.
import { ConfigError } from '../../config.js';

export interface NumberRoute {
  readonly pattern: RegExp;
  readonly context: string;
}

export interface ControlsConfig {
  readonly transferContext: string;
  readonly numberRoutes: readonly NumberRoute[];
  readonly timeoutMs: number;
}

const CONTEXT = /^[A-Za-z0-9_-]{1,64}$/;


export function controlsConfig(env: Readonly<Record<string, string | undefined>>): ControlsConfig {
  const transferContext = env.TRANSFER_CONTEXT || 'default';
  if (!CONTEXT.test(transferContext)) throw new ConfigError(`TRANSFER_CONTEXT must match ${CONTEXT.source}`);
  const numberRoutes: NumberRoute[] = [];
  for (const entry of (env.TRANSFER_NUMBER_ROUTES ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf('=>');
    const source = at === -1 ? '' : entry.slice(0, at);
    const context = at === -1 ? '' : entry.slice(at + 2);
    if (!source || !CONTEXT.test(context)) throw new ConfigError(`TRANSFER_NUMBER_ROUTES entry ${JSON.stringify(entry.slice(0, 60))} must be regex=>context`);
    let pattern: RegExp;
    try {
      // Anchored whatever the admin wrote: a route allows whole numbers only.
      pattern = new RegExp(`^(?:${source.replace(/^\^/, '').replace(/\$$/, '')})$`);
    } catch (err) {
      throw new ConfigError(`TRANSFER_NUMBER_ROUTES: bad regex ${JSON.stringify(source.slice(0, 60))}: ${(err as Error).message}`);
    }
    numberRoutes.push({ pattern, context });
  }
  const raw = env.CONTROL_TIMEOUT_MS;
  const timeoutMs = raw === undefined || raw === '' ? 5000 : Number(raw);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) throw new ConfigError('CONTROL_TIMEOUT_MS must be an integer in [100, 120000]');
  return { transferContext, numberRoutes, timeoutMs };
}

/** The context a number is routed to, or null when no admin route allows it. */
export function routeOf(routes: readonly NumberRoute[], number: string): string | null {
  return routes.find((r) => r.pattern.test(number))?.context ?? null;
}
