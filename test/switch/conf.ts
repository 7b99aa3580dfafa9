import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePrompts } from './prompts.js';

/**
 * Builds the conf directory of a private test switch: vanilla FreeSWITCH 1.10.12, then the
 * project's freeswitch-conf/ installed with the steps of freeswitch-conf/README.md (one function
 * per step, in the README's order), then the sandbox's own changes (ports, addresses, passwords,
 * directories) that a user does not make.
 */

const VANILLA = fileURLToPath(new URL('./vanilla/freeswitch-1.10.12-conf-vanilla.tar.xz', import.meta.url));
export const PROJECT_CONF = fileURLToPath(new URL('../../freeswitch-conf/', import.meta.url));

export interface SwitchPorts {
  readonly esl: number;
  readonly sipInternal: number;
  readonly sipExternal: number;
  readonly rtpStart: number;
  readonly rtpEnd: number;
  /** Where the switch's mod_xml_curl finds a gateway (test/switch/queues.test.ts starts one there). */
  readonly xmlCurl: number;
}

export interface SwitchSecrets {
  readonly eslPassword: string;
  readonly defaultPassword: string;
  /** SIP passwords of the sample phones 1001..1003. */
  readonly phones: Readonly<Record<string, string>>;
  /** cc_xml_curl_password (the gateway's XML_CURL_PASSWORD). */
  readonly xmlCurlPassword: string;
}

/** The directories a private instance writes to (none of /opt/freeswitch's). */
export const RUN_DIRS = ['conf', 'log', 'db', 'run', 'temp', 'storage', 'cache', 'recordings', 'sounds', 'scripts', 'certs'] as const;

const stripComments = (xml: string): string => xml.replace(/<!--[\s\S]*?-->/g, '');

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Unpacks vanilla into `<dir>/conf`. */
export function unpackVanilla(dir: string): string {
  const conf = join(dir, 'conf');
  rmSync(conf, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-C', dir, '-xJf', VANILLA]);
  execFileSync('mv', [join(dir, 'vanilla'), conf]);
  return conf;
}

// ---- freeswitch-conf/README.md, "Install" -------------------------------------------------

/** README: `cp` of the files that are installed whole. */
export function copyProjectFiles(conf: string, project = PROJECT_CONF): void {
  for (const f of ['autoload_configs/callcenter.conf.xml', 'autoload_configs/event_socket.conf.xml', 'autoload_configs/xml_curl.conf.xml']) copyFileSync(join(project, f), join(conf, f));
  copyFileSync(join(project, 'dialplan/default/10_callcenter.xml'), join(conf, 'dialplan/default/10_callcenter.xml'));
  copyFileSync(join(project, 'ivr_menus/support_ivr.xml'), join(conf, 'ivr_menus/support_ivr.xml'));
  for (const f of readdirSync(join(project, 'directory/default')).filter((n) => /^100[123]\.xml$/.test(n))) {
    copyFileSync(join(project, 'directory/default', f), join(conf, 'directory/default', f));
  }
}

/** README: "copy the lines inside <include> into your vars.xml" (at the end). */
export function mergeVars(conf: string, project = PROJECT_CONF): void {
  const fragment = read(join(project, 'vars.xml'));
  const open = /^<include>\s*$/m.exec(fragment);
  const close = fragment.lastIndexOf('</include>');
  if (!open || close < open.index) throw new Error('freeswitch-conf/vars.xml: no <include> ... </include>');
  const lines = fragment.slice(open.index + open[0].length, close);
  const path = join(conf, 'vars.xml');
  const vars = read(path);
  const end = vars.lastIndexOf('</include>');
  writeFileSync(path, vars.slice(0, end) + '  <!-- cc-gateway (freeswitch-conf/vars.xml) -->' + lines + vars.slice(end));
}

/** README: "add the missing <load> lines to yours". */
export function mergeModules(conf: string, project = PROJECT_CONF): void {
  const wanted = [...stripComments(read(join(project, 'autoload_configs/modules.conf.xml'))).matchAll(/<load module="([^"]+)"\s*\/>/g)].map((m) => m[1]!);
  const path = join(conf, 'autoload_configs/modules.conf.xml');
  const mine = read(path);
  const loaded = new Set([...stripComments(mine).matchAll(/<load module="([^"]+)"\s*\/>/g)].map((m) => m[1]!));
  const missing = wanted.filter((m) => !loaded.has(m));
  const end = mine.lastIndexOf('</modules>');
  writeFileSync(path, mine.slice(0, end) + missing.map((m) => `    <load module="${m}"/>\n`).join('') + '  ' + mine.slice(end));
}

/** README: "copy the esl_gateway list into yours" (inside <network-lists>). */
export function mergeAcl(conf: string, project = PROJECT_CONF): void {
  const list = /<list name="esl_gateway"[\s\S]*?<\/list>/.exec(stripComments(read(join(project, 'autoload_configs/acl.conf.xml'))));
  if (!list) throw new Error('freeswitch-conf/autoload_configs/acl.conf.xml: no esl_gateway list');
  const path = join(conf, 'autoload_configs/acl.conf.xml');
  const acl = read(path);
  const at = acl.indexOf('<network-lists>') + '<network-lists>'.length;
  writeFileSync(path, acl.slice(0, at) + '\n    ' + list[0] + acl.slice(at));
}

/** README: "$EDITOR vars.xml: change event_socket_password, the phone passwords and default_password". */
export function setPasswords(conf: string, s: SwitchSecrets): void {
  const path = join(conf, 'vars.xml');
  let vars = read(path);
  const set = (name: string, value: string) => {
    const re = new RegExp(`(<X-PRE-PROCESS cmd="set" data="${name}=)[^"]*(")`, 'g');
    if (!re.test(vars)) throw new Error(`vars.xml has no ${name}`);
    vars = vars.replace(re, `$1${value}$2`);
  };
  set('event_socket_password', s.eslPassword);
  set('default_password', s.defaultPassword);
  for (const [user, pw] of Object.entries(s.phones)) set(`cc_phone_password_${user}`, pw);
  set('cc_xml_curl_password', s.xmlCurlPassword);
  writeFileSync(path, vars);
}

/** Every install step of freeswitch-conf/README.md, in its order. */
export function installProjectConf(conf: string, secrets: SwitchSecrets, project = PROJECT_CONF): void {
  copyProjectFiles(conf, project);
  mergeVars(conf, project);
  mergeModules(conf, project);
  mergeAcl(conf, project);
  setPasswords(conf, secrets);
}

// ---- freeswitch-conf/README.md, "Several switches" ----------------------------------------

/** Where a box of several keeps mod_callcenter's tables, and its name among them. */
export interface SharedDatabase {
  /** cc_odbc_dsn, e.g. pgsql://hostaddr=127.0.0.1 port=5432 dbname=… user=… */
  readonly dsn: string;
  /** cc_instance_id: different on every box. */
  readonly instanceId: string;
}

/** README: "set cc_odbc_dsn and cc_instance_id in vars.xml; uncomment mod_pgsql (before mod_callcenter)". */
export function joinSharedDatabase(conf: string, shared: SharedDatabase): void {
  if (!/^[A-Za-z0-9_-]+$/.test(shared.instanceId)) throw new Error(`cc_instance_id ${shared.instanceId}: letters, digits, - and _`);
  const vars = join(conf, 'vars.xml');
  let text = read(vars);
  for (const [name, value] of [['cc_odbc_dsn', shared.dsn], ['cc_instance_id', shared.instanceId]] as const) {
    const re = new RegExp(`(<X-PRE-PROCESS cmd="set" data="${name}=)[^"]*(")`);
    if (!re.test(text)) throw new Error(`vars.xml has no ${name}`);
    text = text.replace(re, `$1${value}$2`);
  }
  writeFileSync(vars, text);
  const mods = join(conf, 'autoload_configs/modules.conf.xml');
  const list = read(mods);
  const cc = list.search(/^\s*<load module="mod_callcenter"\/>/m);
  if (cc < 0) throw new Error('modules.conf.xml loads no mod_callcenter');
  writeFileSync(mods, list.slice(0, cc) + '\n    <load module="mod_pgsql"/>' + list.slice(cc));
}

// ---- the sandbox: what a user would not change -----------------------------------------------

function edit(path: string, f: (text: string) => string): void {
  const before = read(path);
  const after = f(before);
  if (after === before) throw new Error(`sandbox edit changed nothing in ${path}`);
  writeFileSync(path, after);
}

/**
 * Loopback only, private ports, no STUN (without Internet mod_sofia refuses to load), no IPv6
 * or WebSocket profiles (fixed ports another instance may hold), modules this build lacks
 * commented out.
 */
export function sandbox(conf: string, ports: SwitchPorts, modDir: string): void {
  edit(join(conf, 'vars.xml'), (v) =>
    v
      .replace('<include>', '<include>\n  <X-PRE-PROCESS cmd="set" data="local_ip_v4=127.0.0.1"/>')
      .replace(/<X-PRE-PROCESS cmd="stun-set" data="(external_(?:rtp|sip)_ip)=[^"]*"\/>/g, '<X-PRE-PROCESS cmd="set" data="$1=127.0.0.1"/>')
      .replace(/(data="internal_sip_port=)\d+/, `$1${ports.sipInternal}`)
      .replace(/(data="external_sip_port=)\d+/, `$1${ports.sipExternal}`)
      .replace(/(data="internal_tls_port=)\d+/, `$1${ports.sipInternal + 1}`)
      .replace(/(data="external_tls_port=)\d+/, `$1${ports.sipExternal + 1}`)
      .replace(/(data="cc_xml_curl_url=http:\/\/127\.0\.0\.1:)\d+/, `$1${ports.xmlCurl}`),
  );
  for (const f of ['internal-ipv6.xml', 'external-ipv6.xml']) rmSync(join(conf, 'sip_profiles', f));
  edit(join(conf, 'sip_profiles/internal.xml'), (x) => x.replace(/^.*name="wss?-binding".*$/gm, ''));
  edit(join(conf, 'autoload_configs/event_socket.conf.xml'), (x) => x.replace(/(name="listen-port" value=")\d+/, `$1${ports.esl}`));
  edit(join(conf, 'autoload_configs/switch.conf.xml'), (x) =>
    x
      .replace(/<!--\s*<param name="rtp-start-port" value="\d+"\/>\s*-->/, `<param name="rtp-start-port" value="${ports.rtpStart}"/>`)
      .replace(/<!--\s*<param name="rtp-end-port" value="\d+"\/>\s*-->/, `<param name="rtp-end-port" value="${ports.rtpEnd}"/>`)
      .replace(/<!--\s*<param name="rtp-port-usage-robustness" value="true"\/>\s*-->/, '<param name="rtp-port-usage-robustness" value="true"/>'),
  );
  const have = new Set(readdirSync(modDir).map((f) => f.replace(/\.so$/, '')));
  edit(join(conf, 'autoload_configs/modules.conf.xml'), (x) =>
    x.replace(/^(\s*)(<load module="([^"]+)"\s*\/>)/gm, (line, ind: string, tag: string, mod: string) => (have.has(mod) ? line : `${ind}<!-- not in this build: ${tag} -->`)),
  );
}

/** A complete conf dir + the other run directories under `dir`. */
export function buildConf(dir: string, ports: SwitchPorts, secrets: SwitchSecrets, modDir: string, shared?: SharedDatabase): void {
  for (const d of RUN_DIRS) mkdirSync(join(dir, d), { recursive: true });
  const conf = unpackVanilla(dir);
  installProjectConf(conf, secrets);
  if (shared) joinSharedDatabase(conf, shared);
  sandbox(conf, ports, modDir);
  writePrompts(join(dir, 'sounds'));
  if (!existsSync(join(conf, 'freeswitch.xml'))) throw new Error('conf has no freeswitch.xml');
}
