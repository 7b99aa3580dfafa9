import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Files of npm packages the pages load, served from our own origin (no CDN): name -> allowed files. */
const VENDOR_FILES: ReadonlySet<string> = new Set(['/echarts.min.js']);

/**
 * The wallboard page at /wallboard, and Apache ECharts from node_modules under
 * /vendor/echarts/ (only the one file the page loads). Registered after the
 * web root's static plugin, whose reply.sendFile it uses.
 */
export const wallboardPage: FastifyPluginAsync = async (app) => {
  const echartsDir = dirname(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));
  await app.register(fastifyStatic, {
    root: echartsDir,
    prefix: '/vendor/echarts/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => VENDOR_FILES.has(path),
    maxAge: 86_400_000,
  });
  app.get('/wallboard', { schema: { hide: true } }, (_req, reply) => reply.sendFile('wallboard.html'));
};
