import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.js';
import * as grammar from '../callcenter/grammar.js';
import type { QueueStore } from './store.js';
import { callcenterConfXml, NOT_FOUND_XML } from './xml.js';

export interface XmlCurlEndpointOptions {
  readonly host: string;
  readonly port: number;
  /** The `gateway-credentials` of xml_curl.conf, `user:password` (Basic). */
  readonly user: string;
  readonly password: string;
  readonly logger: Logger;
  /** Counts answers by outcome (served, not_found, unauthorized, unavailable, bad_request). */
  readonly onAnswer?: (outcome: XmlCurlOutcome) => void;
}

export type XmlCurlOutcome = 'served' | 'not_found' | 'unauthorized' | 'unavailable' | 'bad_request';

const MAX_BODY = 64 * 1024;
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * What mod_xml_curl asks (xml_url_fetch() in mod_xml_curl.c): a form with
 * `hostname, section, tag_name, key_name, key_value` and then every header of
 * the lookup's params event, POSTed as application/x-www-form-urlencoded (or
 * in the query string when the binding sets method=GET). mod_callcenter's
 * load_queue() asks `section=configuration`, `key_value=callcenter.conf`, with
 * the queue in `CC-Queue`; its module start asks the same without `CC-Queue`.
 */
export function parseXmlCurlRequest(query: string, body: string): URLSearchParams {
  const all = new URLSearchParams(query);
  for (const [k, v] of new URLSearchParams(body)) all.append(k, v);
  return all;
}

export interface XmlCurlAnswer {
  readonly status: number;
  readonly body: string;
  readonly outcome: XmlCurlOutcome;
  readonly queue?: string;
}

/**
 * The answer for one request: callcenter.conf with that one queue when the
 * gateway owns it, "not found" for everything else (other sections, other
 * files, callcenter.conf without a queue — the module start, which must read
 * the files — and queues the gateway does not own), so the switch falls back
 * to its files. While the definitions are not loaded yet: 503, which the
 * switch also treats as "use the files", but logs.
 */
export function answerXmlCurl(form: URLSearchParams, store: Pick<QueueStore, 'cached'>): XmlCurlAnswer {
  const notFound: XmlCurlAnswer = { status: 200, body: NOT_FOUND_XML, outcome: 'not_found' };
  if (form.get('section') !== 'configuration' || form.get('key_value') !== 'callcenter.conf') return notFound;
  const queue = form.get('CC-Queue');
  if (queue === null || queue === '') return notFound;
  try {
    grammar.queueName(queue);
  } catch {
    return { ...notFound, queue };
  }
  const def = store.cached(queue);
  if (def === undefined) return { status: 503, body: 'queue definitions not loaded yet\n', outcome: 'unavailable', queue };
  if (def === null) return { ...notFound, queue };
  return { status: 200, body: callcenterConfXml(def.name, def.params), outcome: 'served', queue };
}

/**
 * The listener mod_xml_curl calls: its own port, bound where only the switch
 * reaches it (loopback by default), Basic auth with the credentials of
 * xml_curl.conf. Nothing else is served on it.
 */
export class XmlCurlEndpoint {
  private server: Server | null = null;
  private readonly credentials: Buffer;

  constructor(
    private readonly store: QueueStore,
    private readonly opts: XmlCurlEndpointOptions,
  ) {
    this.credentials = digest(`Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`);
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    return typeof a === 'object' && a ? a.port : this.opts.port;
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.length > 1024) return false;
    return timingSafeEqual(digest(header.replace(/^basic /i, 'Basic ')), this.credentials);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const reply = (status: number, body: string, outcome: XmlCurlOutcome, headers: Record<string, string> = {}) => {
      this.opts.onAnswer?.(outcome);
      res.writeHead(status, { 'content-type': status === 200 ? 'text/xml' : 'text/plain', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (!this.authorized(req)) {
      this.opts.logger.warn({ remote: req.socket.remoteAddress }, 'xml_curl request without valid credentials');
      reply(401, 'unauthorized\n', 'unauthorized', { 'www-authenticate': 'Basic realm="cc-gateway xml_curl"' });
      req.resume();
      return;
    }
    if (req.method !== 'POST' && req.method !== 'GET') {
      reply(405, 'method not allowed\n', 'bad_request');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return reply(413, 'too large\n', 'bad_request');
      const query = (req.url ?? '').split('?')[1] ?? '';
      const answer = answerXmlCurl(parseXmlCurlRequest(query, Buffer.concat(chunks).toString('utf8')), this.store);
      this.opts.logger.debug({ queue: answer.queue, outcome: answer.outcome }, 'xml_curl answered');
      reply(answer.status, answer.body, answer.outcome);
    });
    req.on('error', () => res.destroy());
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
