import { Redis } from 'ioredis';
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startGateway, type GatewayOptions } from './gateway.js';
import { FreeSwitchDouble } from './fsdouble/index.js';
import { memoryCallerStore } from './store/callers.js';
import { memoryPasswordStore } from './store/passwords.js';
import { memorySessionStore } from './store/sessions.js';
import { DEMO_RECORDS, startCallerGenerator } from './demo/callers.js';

/**
 * `npm run demo`: the gateway against the built-in FreeSWITCH double, with
 * three agents, a few caller records and random callers, so a newcomer sees
 * screen pops within seconds. Production runs `npm start` against a real
 * switch (ESL_HOST=…).
 */

const DEMO_AGENTS = ['1001@default', '1002@default', '1003@default'] as const;
const passwordOf = (agent: string) => `demo-${agent.split('@')[0]}`;

async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function main(): Promise<void> {
  const env = process.env;
  if (env.ESL_HOST) {
    console.error('ESL_HOST is set: the demo always runs its own FreeSWITCH double. For a real switch run `npm start`.');
  }
  const fs = await FreeSwitchDouble.start({ ringMs: Number(env.DEMO_RING_MS ?? 2500), port: Number(env.DEMO_ESL_PORT ?? 0) });
  const adminToken = env.ADMIN_TOKEN ?? 'demo-admin-token';
  const config = loadConfig({
    ...env,
    ESL_HOST: '127.0.0.1',
    ESL_PORT: String(fs.port),
    ESL_PASSWORD: 'ClueCon',
    ADMIN_TOKEN: adminToken,
    REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX ?? 'cc-demo:',
    CALLER_KEY_PREFIX: env.CALLER_KEY_PREFIX ?? 'cc-demo:caller:',
    LOG_LEVEL: env.LOG_LEVEL || 'warn', // the demo's terminal shows its banner, not info logs
    // Click to dial in the demo: a demo range (the double's customers answer) and a demo caller ID.
    OUTBOUND_ALLOW: env.OUTBOUND_ALLOW ?? '+1555:11,9300:4',
    OUTBOUND_CALLER_ID: env.OUTBOUND_CALLER_ID ?? '+15550001000:Demo',
    XML_CURL_PORT: env.XML_CURL_PORT ?? '0', // the demo's double is told the port below
  });
  const logger = createLogger(config.logLevel);

  const options: { -readonly [K in keyof GatewayOptions]: GatewayOptions[K] } = { config, logger };
  if (!(await redisReachable(config.redisUrl))) {
    console.warn(`\n  WARNING: no Redis at ${config.redisUrl}: the demo keeps caller records, passwords and sessions in this process.\n  Production always uses Redis (REDIS_URL).\n`);
    options.stores = { callers: memoryCallerStore(), passwords: memoryPasswordStore(), sessions: memorySessionStore() };
  }
  const gw = await startGateway(options);
  // Queues created over REST reach the double as they reach a switch: over mod_xml_curl.
  if (gw.xmlCurlPort !== null && config.xmlCurl) fs.setXmlCurl({ url: `http://127.0.0.1:${gw.xmlCurlPort}/`, credentials: `${config.xmlCurl.user}:${config.xmlCurl.password}` });
  const actor = { source: 'demo' as const, id: 'demo' };
  await new Promise<void>((resolve) => (gw.callCenter.ready ? resolve() : gw.callCenter.once('ready', () => resolve())));
  for (const agent of DEMO_AGENTS) {
    await gw.callCenter.createAgent({ name: agent, contact: `null/agent-${agent.split('@')[0]}`, status: 'Logged Out', wrapUpTime: 2 }, actor);
    await gw.callCenter.addTier('support@default', agent, 1, 1, actor);
    await gw.passwords.set(agent, passwordOf(agent));
  }
  for (const r of DEMO_RECORDS) await gw.callers.put(r.number, r.record);

  const meanIntervalMs = Number(env.DEMO_CALL_INTERVAL_MS ?? 6000);
  const generator = startCallerGenerator(fs, {
    meanIntervalMs,
    minStayMs: Number(env.DEMO_MIN_STAY_MS ?? 8000),
    maxStayMs: Number(env.DEMO_MAX_STAY_MS ?? 30000),
  });

  console.log(`
  cc-gateway demo is running: ${gw.url}/

  Log in as one of these agents, click Ready, and callers arrive about every ${Math.round(meanIntervalMs / 1000)} s:
${DEMO_AGENTS.map((a) => `    ${a}   password ${passwordOf(a)}`).join('\n')}

  Admin API:  curl -H 'Authorization: Bearer ${adminToken}' ${gw.url}/api/agents
  Call records: curl -H 'Authorization: Bearer ${adminToken}' ${gw.url}/api/calls   (also /api/calls/active, /api/calls.csv;
              ${config.records.databaseUrl ? 'PostgreSQL at DATABASE_URL' : 'embedded PGlite in memory: set DATABASE_URL for PostgreSQL'})
  API docs:   ${gw.url}/docs
  Wallboard:  ${gw.url}/wallboard#token=${adminToken}   (KPIs: /api/kpis)
  FreeSWITCH double (ESL): 127.0.0.1:${fs.port}, password ClueCon
  Ctrl-C stops everything.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    generator.stop();
    await gw.stop();
    await fs.stop();
    console.log('demo stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
