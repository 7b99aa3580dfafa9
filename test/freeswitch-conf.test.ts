/**
 * freeswitch-conf/: every XML file is well-formed, and the names and
 * credentials in it agree with the gateway's defaults (src/config.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DEFAULTS } from '../src/config.js';
import { AGENT_STATUSES, QUEUE_STRATEGIES } from '../src/callcenter/vocabulary.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'freeswitch-conf');

/**
 * Queue <param> names mod_callcenter reads, verified against the FreeSWITCH 1.10
 * source: signalwire/freeswitch src/mod/applications/mod_callcenter/mod_callcenter.c,
 * queue_set_config() (the SWITCH_CONFIG_SET_ITEM calls), in source order.
 * A name not in this list is silently ignored by the switch.
 */
const QUEUE_PARAMS = [
  'strategy',
  'moh-sound',
  'announce-sound',
  'announce-frequency',
  'record-template',
  'time-base-score',
  'ring-progressively-delay',
  'tier-rules-apply',
  'tier-rule-wait-second',
  'tier-rule-wait-multiply-level',
  'tier-rule-no-agent-no-wait',
  'discard-abandoned-after',
  'abandoned-resume-allowed',
  'max-wait-time',
  'max-wait-time-with-no-agent',
  'max-wait-time-with-no-agent-time-reached',
  'agent-no-answer-status',
  'skip-agents-with-external-calls',
] as const;

/** record-template is deliberately left out: any value, even "", turns call recording on. */
const QUEUE_PARAMS_NOT_SET = ['record-template'];

/** <settings> names read by load_config() in the same file. */
const SETTINGS_PARAMS = [
  'debug',
  'dbname',
  'odbc-dsn',
  'reserve-agents',
  'truncate-tiers-on-load',
  'truncate-agents-on-load',
  'global-database-lock',
  'cc-instance-id',
  'agent-originate-timeout',
] as const;

/** mod_event_socket.c config(): the names it reads. */
const EVENT_SOCKET_PARAMS = ['listen-ip', 'debug', 'nat-map', 'listen-port', 'password', 'apply-inbound-acl', 'stop-on-bind-error'];

/** $${vars} the files may use without defining them: set by the core or by the vanilla vars.xml. */
const VARS_FROM_CORE_OR_VANILLA = ['domain', 'db_dir', 'recordings_dir', 'sounds_dir', 'conf_dir', 'hold_music'];

// ---------------------------------------------------------------------------

interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

function listXml(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listXml(path));
    else if (entry.endsWith('.xml')) out.push(path);
  }
  return out;
}

const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

/** Converts fast-xml-parser's preserveOrder output into a plain element tree (comments and text dropped). */
function toNodes(raw: unknown): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of raw as Record<string, unknown>[]) {
    const name = Object.keys(item).find((k) => k !== ':@' && k !== '#text' && k !== '#comment' && !k.startsWith('?'));
    if (!name) continue;
    const attrs = (item[':@'] ?? {}) as Record<string, string>;
    out.push({ name, attrs, children: toNodes(item[name]) });
  }
  return out;
}

function parse(rel: string): XmlNode {
  const xml = read(rel);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: false,
  });
  const roots = toNodes(parser.parse(xml));
  assert.equal(roots.length, 1, `${rel}: exactly one root element`);
  return roots[0]!;
}

function all(node: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (n: XmlNode): void => {
    if (n.name === name) out.push(n);
    n.children.forEach(walk);
  };
  walk(node);
  return out;
}

const child = (node: XmlNode, name: string): XmlNode => {
  const found = node.children.find((c) => c.name === name);
  assert.ok(found, `<${node.name}> has a <${name}>`);
  return found;
};

const params = (node: XmlNode): Map<string, string> => {
  const out = new Map<string, string>();
  for (const p of node.children.filter((c) => c.name === 'param')) {
    const name = p.attrs.name!;
    assert.ok(!out.has(name), `param ${name} set twice`);
    out.set(name, p.attrs.value ?? '');
  }
  return out;
};

const stripComments = (xml: string): string => xml.replace(/<!--[\s\S]*?-->/g, '');

/** `X-PRE-PROCESS cmd="set"` variables defined by freeswitch-conf/vars.xml. */
function definedVars(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const n of all(parse('vars.xml'), 'X-PRE-PROCESS')) {
    if (n.attrs.cmd !== 'set') continue;
    const data = n.attrs.data!;
    const eq = data.indexOf('=');
    vars.set(data.slice(0, eq), data.slice(eq + 1));
  }
  return vars;
}

interface Action {
  readonly app: string;
  readonly data: string;
}

interface Extension {
  readonly file: string;
  readonly name: string;
  readonly continues: boolean;
  readonly destination: RegExp | undefined;
  /** actions of every condition, in document order (anti-actions excluded) */
  readonly actions: readonly Action[];
}

function dialplanExtensions(): Extension[] {
  const out: Extension[] = [];
  for (const path of listXml(join(ROOT, 'dialplan'))) {
    const rel = relative(ROOT, path);
    for (const ext of all(parse(rel), 'extension')) {
      const conditions = ext.children.filter((c) => c.name === 'condition');
      const dest = conditions.find((c) => c.attrs.field === 'destination_number');
      out.push({
        file: rel,
        name: ext.attrs.name ?? '',
        continues: ext.attrs.continue === 'true',
        destination: dest ? new RegExp(dest.attrs.expression!) : undefined,
        actions: conditions.flatMap((c) => c.children.filter((a) => a.name === 'action').map((a) => ({ app: a.attrs.application!, data: a.attrs.data ?? '' }))),
      });
    }
  }
  return out;
}

/** The extension that handles a dialled number: the first one matching it that does not continue. */
function routeOf(number: string): Extension {
  const ext = dialplanExtensions().find((e) => !e.continues && e.destination?.test(number));
  assert.ok(ext, `the dialplan routes ${number}`);
  return ext;
}

// ---------------------------------------------------------------------------

test('every XML file under freeswitch-conf/ is well-formed', () => {
  const files = listXml(ROOT);
  const rels = files.map((f) => relative(ROOT, f));
  for (const expected of [
    'vars.xml',
    'autoload_configs/modules.conf.xml',
    'autoload_configs/callcenter.conf.xml',
    'autoload_configs/event_socket.conf.xml',
    'autoload_configs/acl.conf.xml',
    'dialplan/default/10_callcenter.xml',
    'ivr_menus/support_ivr.xml',
    'directory/default/1001.xml',
    'directory/default/1002.xml',
    'directory/default/1003.xml',
  ]) {
    assert.ok(rels.includes(expected), `${expected} exists`);
  }
  for (const rel of rels) {
    const xml = read(rel);
    const result = XMLValidator.validate(xml);
    assert.equal(result, true, `${rel}: ${JSON.stringify(result)}`);
    // Two rules of XML 1.0 that the validator above lets pass: a bare "&" and "--" inside a comment.
    assert.doesNotMatch(stripComments(xml), /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/, `${rel}: bare "&" (write &amp;)`);
    for (const c of xml.match(/<!--[\s\S]*?-->/g) ?? []) {
      assert.ok(!c.slice(4, -3).includes('--') && !c.slice(4, -3).endsWith('-'), `${rel}: "--" inside a comment: ${c.slice(0, 60)}`);
    }
    // The root FreeSWITCH expects: <configuration name="x.conf"> for autoload_configs, <include> for the rest.
    const root = parse(rel);
    if (rel.startsWith('autoload_configs/')) {
      assert.equal(root.name, 'configuration', rel);
      assert.equal(`${root.attrs.name}.xml`, rel.slice('autoload_configs/'.length), `${rel}: configuration name matches the file name`);
    } else {
      assert.equal(root.name, 'include', rel);
    }
  }
});

test('callcenter.conf.xml defines the gateway queue with every verified parameter set', () => {
  const cfg = parse('autoload_configs/callcenter.conf.xml');
  const queues = child(cfg, 'queues').children.filter((c) => c.name === 'queue');
  assert.deepEqual(
    queues.map((q) => q.attrs.name),
    [DEFAULTS.queue],
  );
  const set = params(queues[0]!);
  for (const name of set.keys()) assert.ok((QUEUE_PARAMS as readonly string[]).includes(name), `queue param ${name} is one mod_callcenter reads`);
  assert.deepEqual(
    [...set.keys()].sort(),
    QUEUE_PARAMS.filter((p) => !QUEUE_PARAMS_NOT_SET.includes(p)).sort(),
    'every queue parameter is set explicitly',
  );
  // Same queue behaviour as the switch the fixtures were captured on.
  assert.equal(set.get('strategy'), 'longest-idle-agent');
  assert.ok((QUEUE_STRATEGIES as readonly string[]).includes(set.get('strategy')!));
  assert.equal(set.get('moh-sound'), 'local_stream://moh');
  assert.equal(set.get('max-wait-time'), '0');
  assert.equal(set.get('tier-rules-apply'), 'false');
  assert.equal(set.get('discard-abandoned-after'), '60');
  assert.equal(set.get('abandoned-resume-allowed'), 'false');
  assert.ok((AGENT_STATUSES as readonly string[]).includes(set.get('agent-no-answer-status')!));

  const settings = params(child(cfg, 'settings'));
  for (const name of settings.keys()) assert.ok((SETTINGS_PARAMS as readonly string[]).includes(name), `setting ${name}`);
  // One box: SQLite (an empty DSN); several boxes set both in vars.xml (README "Several switches").
  assert.equal(settings.get('odbc-dsn'), '$${cc_odbc_dsn}');
  assert.equal(settings.get('cc-instance-id'), '$${cc_instance_id}');
  assert.equal(definedVars().get('cc_odbc_dsn'), '', 'sqlite by default');
  assert.equal(definedVars().get('cc_instance_id'), 'single_box', 'mod_callcenter’s own default');

  // Param names shown in comments (odbc-dsn, record-template ...) must be real names too.
  const xml = read('autoload_configs/callcenter.conf.xml');
  const comments = (xml.match(/<!--[\s\S]*?-->/g) ?? []).join('\n');
  for (const m of comments.matchAll(/<param name="([^"]+)"/g)) {
    assert.ok([...QUEUE_PARAMS, ...SETTINGS_PARAMS].includes(m[1] as never), `commented param ${m[1]}`);
  }
  assert.match(comments, /name="record-template"/);
  assert.match(comments, /name="odbc-dsn"/);

  // The gateway creates agents and tiers at run time.
  assert.deepEqual(child(cfg, 'agents').children, []);
  assert.deepEqual(child(cfg, 'tiers').children, []);
});

test('event socket: port, loopback address, password and ACL agree with the gateway defaults', () => {
  const settings = params(child(parse('autoload_configs/event_socket.conf.xml'), 'settings'));
  for (const name of settings.keys()) assert.ok(EVENT_SOCKET_PARAMS.includes(name), `event_socket param ${name}`);
  assert.equal(settings.get('listen-port'), String(DEFAULTS.eslPort));
  assert.equal(settings.get('listen-ip'), DEFAULTS.eslHost);
  assert.match(settings.get('listen-ip')!, /^(127\.0\.0\.1|::1)$/, 'loopback only');
  assert.equal(settings.get('nat-map'), 'false');

  const password = /^\$\$\{([a-z_]+)\}$/.exec(settings.get('password')!);
  assert.ok(password, 'the password comes from a $${variable}');
  assert.equal(password[1], 'event_socket_password');
  assert.equal(definedVars().get('event_socket_password'), DEFAULTS.eslPassword);

  const aclName = settings.get('apply-inbound-acl');
  assert.ok(aclName, 'an inbound ACL is applied');
  const lists = all(parse('autoload_configs/acl.conf.xml'), 'list');
  const acl = lists.find((l) => l.attrs.name === aclName);
  assert.ok(acl, `acl.conf.xml defines ${aclName}`);
  assert.equal(acl.attrs.default, 'deny');
  const allowed = acl.children.filter((n) => n.attrs.type === 'allow').map((n) => n.attrs.cidr);
  assert.deepEqual(allowed.sort(), ['127.0.0.1/32', '::1/128']);
});

test('modules.conf.xml loads what the configuration uses', () => {
  const loaded = all(parse('autoload_configs/modules.conf.xml'), 'load').map((n) => n.attrs.module);
  for (const m of ['mod_callcenter', 'mod_event_socket', 'mod_loopback', 'mod_sofia', 'mod_commands', 'mod_dptools', 'mod_dialplan_xml', 'mod_sndfile', 'mod_local_stream', 'mod_tone_stream']) {
    assert.ok(loaded.includes(m), m);
  }
  assert.equal(new Set(loaded).size, loaded.length, 'no module listed twice');
  // Several switches: mod_pgsql is shipped commented out, to be uncommented where it stands, before mod_callcenter.
  const xml = read('autoload_configs/modules.conf.xml');
  const pgsql = xml.search(/^\s*<load module="mod_pgsql"\/>/m);
  assert.ok(pgsql > 0 && !loaded.includes('mod_pgsql'), 'mod_pgsql is there, commented out');
  assert.ok(pgsql < xml.search(/^\s*<load module="mod_callcenter"\/>/m), 'mod_pgsql comes before mod_callcenter');
});

test('the dialplan routes 7000 to the gateway queue, exporting the screen-pop variables first', () => {
  const ext = routeOf('7000');
  const apps = ext.actions.map((a) => a.app);
  const callcenter = ext.actions.filter((a) => a.app === 'callcenter');
  assert.deepEqual(
    callcenter.map((a) => a.data),
    [DEFAULTS.queue],
  );
  const cc = apps.indexOf('callcenter');
  assert.ok(apps.indexOf('answer') >= 0 && apps.indexOf('answer') < cc, 'answered before the queue');

  const exportIdx = ext.actions.findIndex((a) => a.app === 'set' && a.data.startsWith('cc_export_vars='));
  assert.ok(exportIdx >= 0, 'cc_export_vars is set');
  assert.ok(exportIdx < cc, 'cc_export_vars is set before the callcenter application');
  const exported = ext.actions[exportIdx]!.data.slice('cc_export_vars='.length).split(',');
  assert.ok(exported.includes('account_number'));
  assert.ok(exported.includes('caller_lang'));

  const pagd = ext.actions.findIndex((a) => a.app === 'play_and_get_digits');
  assert.ok(pagd >= 0 && pagd < exportIdx, 'the account number is asked for before the export');
  // <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var_name> <regexp> [<digit_timeout>]
  const args = ext.actions[pagd]!.data.split(' ');
  assert.equal(args[7], 'account_number');

  // Every variable exported is set somewhere on the way to the queue.
  const setsBefore = dialplanExtensions()
    .filter((e) => e.destination?.test('7000'))
    .flatMap((e) => e.actions)
    .map((a) => (a.app === 'set' ? a.data.split('=')[0] : a.app === 'play_and_get_digits' ? a.data.split(' ')[7] : undefined));
  for (const v of exported) assert.ok(setsBefore.includes(v), `${v} is set before it is exported`);

  // Every queue any dialplan joins is one the gateway knows (7099: the one a variable names, for queues over REST).
  for (const e of dialplanExtensions()) {
    for (const a of e.actions.filter((x) => x.app === 'callcenter')) assert.ok(a.data === DEFAULTS.queue || (e.name === 'cc_queue_by_variable' && a.data === '${cc_target_queue}'), `${e.file} ${e.name}: ${a.data}`);
  }
});

test('the IVR is reachable and leads to the queue extension', () => {
  const menus = all(parse('ivr_menus/support_ivr.xml'), 'menu');
  const names = menus.map((m) => m.attrs.name);
  const ivrApps = dialplanExtensions().flatMap((e) => e.actions.filter((a) => a.app === 'ivr'));
  assert.ok(ivrApps.length > 0);
  for (const a of ivrApps) assert.ok(names.includes(a.data), `ivr menu ${a.data} exists`);
  const targets = menus.flatMap((m) => m.children.filter((e) => e.attrs.action === 'menu-exec-app').map((e) => e.attrs.param!));
  assert.ok(targets.includes('transfer 7000 XML default'));
  for (const t of targets) {
    const m = /^transfer (\S+) XML default$/.exec(t);
    assert.ok(m, t);
    routeOf(m[1]!);
  }
});

test('feature codes use exact agent statuses, quoted when they contain a space', () => {
  const dialplan = stripComments(read('dialplan/default/10_callcenter.xml'));
  const statuses: [string, string][] = [];
  for (const ext of dialplanExtensions()) {
    // ${cc_agent_name} as set earlier in the same extension
    const agentVar = ext.actions.find((a) => a.app === 'set' && a.data.startsWith('cc_agent_name='))?.data.slice('cc_agent_name='.length);
    for (const a of ext.actions) {
      for (const [, agent, raw] of a.data.matchAll(/callcenter_config\(agent set status (\S+) (.*?)\)\}/g)) {
        statuses.push([agent === '${cc_agent_name}' && agentVar ? agentVar : agent!, raw!]);
      }
    }
  }
  assert.equal(statuses.length, [...dialplan.matchAll(/agent set status/g)].length, 'every status change is inside an action');
  assert.ok(statuses.length >= 3);
  for (const [agent, raw] of statuses) {
    assert.match(agent, /^\$1@default$/, 'agents are named <extension>@default, the extension captured from ${user_name}');
    const quoted = /^'([^']*)'$/.exec(raw);
    const status = quoted ? quoted[1]! : raw;
    assert.ok((AGENT_STATUSES as readonly string[]).includes(status), `exact status: ${raw}`);
    if (status.includes(' ')) assert.ok(quoted, `status with a space must be single-quoted: ${raw}`);
  }
  const byCode = (code: string): string | undefined => {
    const ext = routeOf(code);
    const set = ext.actions.find((a) => a.data.includes('agent set status'));
    return set && /agent set status \S+ '([^']*)'/.exec(set.data)?.[1];
  };
  assert.equal(byCode('*21'), 'Available');
  assert.equal(byCode('*22'), 'On Break');
  assert.equal(byCode('*23'), 'Logged Out');

  // Desk-phone contacts must be real channels, never loopback/ (see README).
  for (const m of dialplan.matchAll(/agent set contact \S+ (\S+)\)\}/g)) {
    assert.match(m[1]!, /(^|\])(user|sofia)\//, m[1]);
  }
});

test('sample agent phones match their agent names and take their passwords from vars.xml', () => {
  const vars = definedVars();
  for (const ext of ['1001', '1002', '1003']) {
    const users = all(parse(`directory/default/${ext}.xml`), 'user');
    assert.deepEqual(
      users.map((u) => u.attrs.id),
      [ext],
    );
    const password = params(child(users[0]!, 'params')).get('password');
    assert.equal(password, `$\${cc_phone_password_${ext}}`);
    assert.ok(vars.has(`cc_phone_password_${ext}`), `vars.xml defines cc_phone_password_${ext}`);
    const variables = new Map(child(users[0]!, 'variables').children.map((v) => [v.attrs.name!, v.attrs.value!]));
    assert.equal(variables.get('user_context'), 'default', 'the phone reaches the context with 7000 and the feature codes');
  }
});

test('every $${variable} used outside comments is defined', () => {
  const vars = definedVars();
  for (const path of listXml(ROOT)) {
    const rel = relative(ROOT, path);
    for (const m of stripComments(read(rel)).matchAll(/\$\$\{([^}]+)\}/g)) {
      assert.ok(vars.has(m[1]!) || VARS_FROM_CORE_OR_VANILLA.includes(m[1]!), `${rel}: $\${${m[1]}} is defined`);
    }
  }
});

test('xml_curl.conf.xml points mod_xml_curl at the gateway\'s xml_curl listener with its credentials', () => {
  const cfg = parse('autoload_configs/xml_curl.conf.xml');
  const bindings = child(cfg, 'bindings').children.filter((c) => c.name === 'binding');
  assert.equal(bindings.length, 1, 'one binding');
  const binding = bindings[0]!;
  const url = binding.children.find((c) => c.name === 'param' && c.attrs.name === 'gateway-url');
  assert.ok(url, 'a gateway-url (mod_xml_curl refuses to load without one)');
  assert.equal(url.attrs.bindings, 'configuration', 'only the configuration section: directory and dialplan stay the files\'');
  const p = params(binding);
  // mod_xml_curl.c do_config(): the names it reads.
  for (const name of p.keys()) assert.ok(['gateway-url', 'gateway-credentials', 'auth-scheme', 'timeout', 'disable-100-continue', 'method', 'enable-post-var', 'bind-local'].includes(name), `xml_curl param ${name}`);
  assert.equal(p.get('auth-scheme'), 'basic');
  assert.ok(Number(p.get('timeout')) > 0, 'a timeout: an unreachable gateway must not hold the switch');

  const vars = definedVars();
  const expand = (v: string) => v.replace(/\$\$\{([a-z0-9_]+)\}/g, (_m, n: string) => vars.get(n) ?? `<undefined ${n}>`);
  const u = new URL(expand(url.attrs.value!));
  assert.equal(u.hostname, DEFAULTS.xmlCurlHost);
  assert.equal(u.port, String(DEFAULTS.xmlCurlPort));
  assert.equal(expand(p.get('gateway-credentials')!), `${DEFAULTS.xmlCurlUser}:${DEFAULTS.xmlCurlPassword}`);
  const loaded = all(parse('autoload_configs/modules.conf.xml'), 'load').map((n) => n.attrs.module);
  assert.ok(loaded.includes('mod_xml_curl'));
});

test('7099 runs the queue named in cc_target_queue, exporting the screen-pop variables first', () => {
  const ext = routeOf('7099');
  const apps = ext.actions.map((a) => a.app);
  assert.ok(apps.indexOf('set') < apps.indexOf('callcenter'));
  assert.equal(ext.actions.find((a) => a.app === 'callcenter')?.data, '${cc_target_queue}');
  assert.ok(ext.actions.some((a) => a.app === 'set' && a.data.startsWith('cc_export_vars=')));
});
