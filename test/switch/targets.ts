import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { RawClient, type Item } from '../fsdouble/helpers.js';
import { raw } from '../helpers/http.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { ADMIN, waitFor } from '../helpers/stack.js';
import { Phone } from './baresip.js';
import type { RealSwitch } from './switch.js';

/**
 * One scenario, two switches: the FreeSWITCH double and a real FreeSWITCH. A Target hides how a
 * caller is made (the double's injectCaller vs a baresip phone dialling 7000) and how an agent's
 * phone answers (the double's answer mode vs a baresip phone that auto-answers or not).
 */

export interface CallerSpec {
  /** SIP display name, i.e. CC-Member-CID-Name; may hold a Latin-1 character. */
  readonly name: string;
  /**
   * DTMF the caller keys at the account-number prompt (e.g. '4242#'). Without it a real caller
   * sits through the prompt's three 5 s tries before joining the queue.
   */
  readonly digits?: string;
  /** Dial the 7100 IVR and press 1 (→ 7000) instead of dialling 7000. */
  readonly viaIvr?: boolean;
}

export interface Caller {
  /** The caller's number as the switch reports it (CC-Member-CID-Number). */
  readonly number: string;
  hangup(): Promise<void>;
}

export interface Target {
  readonly kind: 'double' | 'real';
  readonly eslPort: number;
  readonly eslPassword: string;
  /** What `fs_cli -x` does: an API command behind the gateway's back. */
  api(cmd: string): Promise<string>;
  /** An agent phone for directory user `ext` (1001..1003): its contact, answering or not. */
  agentPhone(ext: string, answers: boolean): Promise<string>;
  hangupAgent(ext: string): Promise<void>;
  call(spec: CallerSpec): Promise<Caller>;
  /** A registered desk phone dials a feature code (*21 login, *22 break, *23 logout). */
  featureCode(ext: string, code: '*21' | '*22' | '*23'): Promise<void>;
  restart(): Promise<void>;
  /** Ends phones and calls of a scenario (not the switch itself). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The caller phone: directory user 1003 (the double reports the same number). */
export const CALLER_EXT = '1003';

export class DoubleTarget implements Target {
  readonly kind = 'double';
  readonly eslPassword = 'ClueCon';
  private callers: string[] = [];
  private constructor(readonly fs: FreeSwitchDouble) {}

  static async start(): Promise<DoubleTarget> {
    return new DoubleTarget(await FreeSwitchDouble.start({ ringMs: 300, discardAbandonedAfterS: 60 }));
  }
  get eslPort(): number {
    return this.fs.port;
  }
  async api(cmd: string): Promise<string> {
    return this.fs.api(cmd);
  }
  async agentPhone(ext: string, answers: boolean): Promise<string> {
    this.fs.setAgentAnswer(`${ext}@default`, answers ? { mode: 'answer', afterMs: 300 } : { mode: 'no-answer' });
    return `user/${ext}`;
  }
  async hangupAgent(ext: string): Promise<void> {
    this.fs.hangupAgent(`${ext}@default`);
  }
  async call(spec: CallerSpec): Promise<Caller> {
    const account = spec.digits?.replace(/#$/, '');
    // What freeswitch-conf's 7000 extension sets before `callcenter` (see 10_callcenter.xml).
    const variables: Record<string, string> = { caller_number: CALLER_EXT, caller_lang: 'en', cc_export_vars: 'account_number,caller_lang,caller_number', hangup_after_bridge: 'true' };
    if (account) variables.account_number = account;
    // The IVR's option 1 is `transfer 7000 XML default`: the caller reaches the queue as a 7000 caller.
    const ids = this.fs.injectCaller({ number: CALLER_EXT, name: spec.name, destination: '7000', variables, ...(spec.viaIvr ? { rdnis: '7100' } : {}) });
    this.callers.push(ids.callerUuid);
    return {
      number: CALLER_EXT,
      hangup: async () => {
        this.fs.hangupCaller(ids.callerUuid);
      },
    };
  }
  /** The callcenter_config commands freeswitch-conf's *21/*22/*23 extensions run (the sandbox's domain is 127.0.0.1). */
  async featureCode(ext: string, code: '*21' | '*22' | '*23'): Promise<void> {
    const agent = `${ext}@default`;
    const cmds =
      code === '*21'
        ? [`agent add ${agent} callback`, `agent set contact ${agent} [leg_timeout=20]user/${ext}@127.0.0.1`, `agent set status ${agent} 'Available'`, `agent set state ${agent} Waiting`]
        : [`agent set status ${agent} ${code === '*22' ? "'On Break'" : "'Logged Out'"}`];
    for (const c of cmds) this.fs.api(`callcenter_config ${c}`);
  }
  async restart(): Promise<void> {
    await this.fs.restart({ keepState: true });
  }
  async reset(): Promise<void> {
    for (const u of this.callers.splice(0)) this.fs.hangupCaller(u);
  }
  async stop(): Promise<void> {
    await this.fs.stop();
  }
}

export class RealTarget implements Target {
  readonly kind = 'real';
  private phones = new Map<string, Phone>();
  private callerPhones: Phone[] = [];
  constructor(readonly fs: RealSwitch) {}

  get eslPort(): number {
    return this.fs.eslPort;
  }
  get eslPassword(): string {
    return this.fs.secrets.eslPassword;
  }
  async api(cmd: string): Promise<string> {
    return this.fs.api(cmd);
  }
  private async phone(ext: string, autoAnswer: boolean, displayName?: string): Promise<Phone> {
    const p = await Phone.start({ user: ext, password: this.fs.secrets.phones[ext]!, registrar: `127.0.0.1:${this.fs.sipPort}`, autoAnswer, ...(displayName !== undefined ? { displayName } : {}) });
    try {
      await p.registered(30000);
    } catch (e) {
      await p.stop();
      throw e;
    }
    return p;
  }
  async agentPhone(ext: string, answers: boolean): Promise<string> {
    await this.phones.get(ext)?.stop();
    this.phones.set(ext, await this.phone(ext, answers));
    return `user/${ext}`;
  }
  async hangupAgent(ext: string): Promise<void> {
    await this.phones.get(ext)!.hangup();
  }
  async call(spec: CallerSpec): Promise<Caller> {
    const p = await this.phone(CALLER_EXT, false, spec.name);
    this.callerPhones.push(p);
    await p.dial(spec.viaIvr ? '7100' : '7000');
    await p.waitEvent('CALL_ESTABLISHED', 30000);
    if (spec.viaIvr) {
      // 7100 answers, sleeps 1 s, plays the menu; its digit collection starts with the greeting.
      await new Promise((r) => setTimeout(r, 1500));
      await p.sendDtmf('1');
    }
    if (spec.digits) {
      // The prompt (three 150 ms tones after a 500 ms sleep) is still playing: DTMF during
      // play_and_get_digits' prompt is collected too.
      await new Promise((r) => setTimeout(r, 700));
      await p.sendDtmf(spec.digits);
    }
    return {
      number: CALLER_EXT,
      hangup: async () => {
        await p.hangup();
      },
    };
  }
  async featureCode(ext: string, code: '*21' | '*22' | '*23'): Promise<void> {
    let p = this.phones.get(ext);
    if (!p) {
      p = await this.phone(ext, false);
      this.phones.set(ext, p);
    }
    const from = p.events.length;
    await p.dial(code);
    await p.waitEvent('CALL_CLOSED', 30000, from);
  }
  async restart(): Promise<void> {
    await this.fs.restart();
  }
  async reset(): Promise<void> {
    const all = [...this.phones.values(), ...this.callerPhones.splice(0)];
    this.phones.clear();
    await Promise.all(all.map((p) => p.stop()));
  }
  async stop(): Promise<void> {
    await this.reset();
    await this.fs.stop();
  }
}

/** Every CUSTOM callcenter::info event a target sends, as a plain ESL listener sees it. */
export class EventRecorder {
  private readonly clients: RawClient[] = [];
  private constructor(private readonly t: Target) {}
  static async start(t: Target): Promise<EventRecorder> {
    const r = new EventRecorder(t);
    await r.reconnect();
    return r;
  }
  /** After a switch restart: listen again (the events of both connections are kept, in order). */
  async reconnect(): Promise<void> {
    const c = await RawClient.connect(this.t.eslPort);
    await c.command(`auth ${this.t.eslPassword}`);
    await c.command('event plain CUSTOM callcenter::info');
    this.clients.push(c);
  }
  events(): Item[] {
    return this.clients.flatMap((c) => c.items).filter((i) => i.type === 'event' && i.headers.get('Event-Subclass') === 'callcenter::info');
  }
  async waitFor(action: string, pred: (i: Item) => boolean = () => true, timeoutMs = 30000): Promise<Item> {
    const c = this.clients[this.clients.length - 1]!;
    return c.waitFor((i) => i.type === 'event' && i.headers.get('CC-Action') === action && pred(i), timeoutMs);
  }
  close(): void {
    for (const c of this.clients) c.close();
  }
}

export interface GatewayOnTarget {
  readonly gw: Gateway;
  readonly url: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A gateway (with its own private Redis) connected to the target's event socket. */
export async function startGatewayOn(t: Target, redis: TestRedis, env: Record<string, string> = {}): Promise<GatewayOnTarget> {
  const config = loadConfig({
    ESL_PORT: String(t.eslPort),
    ESL_PASSWORD: t.eslPassword,
    HTTP_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    API_TOKENS: `boss:admin:${ADMIN}`,
    RATE_LIMIT_PER_MINUTE: '100000',
    ESL_COMMAND_TIMEOUT_MS: '10000',
    // Each gateway answers mod_xml_curl on a port of its own (test/switch/queues.test.ts binds the switch to one).
    XML_CURL_PORT: '0',
    ...env,
  });
  const logger = process.env.TEST_LOG ? createLogger('debug') : silentLogger();
  const gw = await startGateway({ config, logger, resyncIntervalMs: 0, eslBackoff: { initialMs: 50, maxMs: 500 } });
  await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0, 'gateway connected and resynced', 30000);
  return {
    gw,
    url: gw.url,
    async api(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: res.body };
    },
    async stop() {
      await gw.stop();
    },
  };
}

export { startRedis };
