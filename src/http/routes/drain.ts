import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { errors } from '../schemas.js';

const DrainBody = Type.Object({
  draining: Type.Boolean(),
  closedPages: Type.Integer({ description: 'desk sockets told to reconnect elsewhere (close code 1012) by this call' }),
});

/** `POST /api/admin/drain`: the deploy's way to empty this instance without a signal. */
export const drainRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/admin/drain',
      {
        preValidation: adminOnly,
        schema: {
          tags: ['health'],
          summary: 'Drain this instance: /readyz answers 503 from now on, new desk sockets are refused, open ones are closed with 1012 so their pages resume on another instance',
          response: { 200: DrainBody, ...errors(401, 403) },
        },
      },
      async () => {
        const closedPages = deps.drain?.start() ?? 0;
        return { draining: deps.drain?.draining ?? false, closedPages };
      },
    );
  };
