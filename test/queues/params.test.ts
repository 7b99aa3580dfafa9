/** The queue parameter catalogue: what the switch accepts passes, what it would silently replace by a default is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrammarError } from '../../src/callcenter/grammar.js';
import { paramsFromQueueList, queueParam, queueParams, queueParamsPatch, QUEUE_PARAM_KEYS } from '../../src/queues/params.js';
import { answerXmlCurl } from '../../src/queues/xml-curl-endpoint.js';
import { callcenterConfXml, NOT_FOUND_XML } from '../../src/queues/xml.js';
import { queueFromDocument } from '../../src/fsdouble/xml-curl.js';

test('every parameter of queue_set_config() is known, in its order', () => {
  assert.deepEqual(QUEUE_PARAM_KEYS, [
    'strategy', 'moh-sound', 'announce-sound', 'announce-frequency', 'record-template', 'time-base-score', 'ring-progressively-delay',
    'tier-rules-apply', 'tier-rule-wait-second', 'tier-rule-wait-multiply-level', 'tier-rule-no-agent-no-wait', 'discard-abandoned-after',
    'abandoned-resume-allowed', 'max-wait-time', 'max-wait-time-with-no-agent', 'max-wait-time-with-no-agent-time-reached',
    'agent-no-answer-status', 'skip-agents-with-external-calls',
  ]);
});

test('values the switch accepts pass', () => {
  const ok = {
    strategy: 'ring-progressively',
    'moh-sound': 'local_stream://moh',
    'announce-sound': '/usr/share/freeswitch/sounds/en/us/callie/ivr/8000/ivr-hold_connect_call.wav',
    'announce-frequency': 30,
    'record-template': '$${recordings_dir}/${strftime(%Y-%m-%d-%H-%M-%S)}.${destination_number}.${caller_id_number}.${uuid}.wav',
    'time-base-score': 'system',
    'ring-progressively-delay': 10,
    'tier-rules-apply': true,
    'max-wait-time': 86_400,
    'agent-no-answer-status': 'Available (On Demand)',
    'skip-agents-with-external-calls': false,
  };
  assert.deepEqual(queueParams(ok), ok);
  assert.equal(queueParam('moh-sound', 'tone_stream://%(2000,4000,440,480)'), 'tone_stream://%(2000,4000,440,480)');
  assert.equal(queueParam('moh-sound', 'silence_stream://-1'), 'silence_stream://-1');
});

test('what the switch would replace silently by a default, or what could run commands, is refused', () => {
  const bad: Array<[string, unknown]> = [
    ['strategy', 'fastest-agent'],
    ['strategy', 'Ring-All'],
    ['max-wait-time', 86_401],
    ['max-wait-time', -1],
    ['max-wait-time', 1.5],
    ['max-wait-time', '30'],
    ['tier-rules-apply', 'yes'],
    ['time-base-score', 'member'],
    ['agent-no-answer-status', 'Away'],
    ['moh-sound', '${system(rm -rf /)}'],
    ['moh-sound', 'local_stream://moh"/><param name="strategy" value="ring-all'],
    ['moh-sound', '/../etc/passwd.wav'],
    ['record-template', '/tmp/${system(id)}.wav'],
    ['record-template', '/tmp/${sip_h_X-Evil}.wav'],
    ['record-template', '/tmp/x y.wav'],
    ['record-template', '/tmp/recording'],
    ['no-such-param', 1],
  ];
  for (const [k, v] of bad) assert.throws(() => queueParams({ [k]: v }), GrammarError, `${k}=${JSON.stringify(v)}`);
});

test('a patch sets and unsets (null: back to the default)', () => {
  assert.deepEqual(queueParamsPatch({ strategy: 'random', 'moh-sound': null }), { set: { strategy: 'random' }, unset: ['moh-sound'] });
  assert.throws(() => queueParamsPatch({ bogus: null }), GrammarError);
});

test('a queue list row of the real switch becomes parameters', () => {
  const row = {
    name: 'support@default', strategy: 'longest-idle-agent', moh_sound: 'local_stream://moh', time_base_score: 'system', tier_rules_apply: 'false',
    tier_rule_wait_second: '300', tier_rule_wait_multiply_level: 'true', tier_rule_no_agent_no_wait: 'false', discard_abandoned_after: '60',
    abandoned_resume_allowed: 'false', max_wait_time: '0', max_wait_time_with_no_agent: '0', max_wait_time_with_no_agent_time_reached: '5',
    record_template: '', calls_answered: '3', calls_abandoned: '1', ring_progressively_delay: '0', skip_agents_with_external_calls: 'true', agent_no_answer_status: 'On Break',
  };
  const { params, skipped } = paramsFromQueueList(row);
  assert.deepEqual(skipped, []);
  assert.equal(params.strategy, 'longest-idle-agent');
  assert.equal(params['tier-rule-wait-second'], 300);
  assert.equal(params['tier-rule-wait-multiply-level'], true);
  assert.equal(params['record-template'], undefined, 'an empty record-template is not carried over (any value turns recording on)');
});

test('the XML served for a queue is read back by the double as the switch would', () => {
  const xml = callcenterConfXml('sales@default', { strategy: 'ring-all', 'max-wait-time': 120, 'tier-rules-apply': true, 'moh-sound': 'local_stream://moh' });
  const r = queueFromDocument(xml, 'sales@default');
  assert.equal(r.outcome, 'found');
  assert.deepEqual(r.outcome === 'found' ? r.config : null, { name: 'sales@default', strategy: 'ring-all', maxWaitTime: 120, tierRulesApply: true, mohSound: 'local_stream://moh' });
  assert.equal(queueFromDocument(NOT_FOUND_XML, 'sales@default').outcome, 'not_found');
});

test('the endpoint serves only owned queues of callcenter.conf, and not the module start', () => {
  const def = { name: 'sales@default', params: { strategy: 'random' as const }, takenOver: false, createdBy: '', updatedBy: '', createdAt: new Date(), updatedAt: new Date() };
  const store = { cached: (n: string) => (n === 'sales@default' ? def : null) };
  const form = (extra: Record<string, string>) => new URLSearchParams({ hostname: 'fs', section: 'configuration', tag_name: 'configuration', key_name: 'name', key_value: 'callcenter.conf', ...extra });
  assert.equal(answerXmlCurl(form({ 'CC-Queue': 'sales@default' }), store).outcome, 'served');
  assert.match(answerXmlCurl(form({ 'CC-Queue': 'sales@default' }), store).body, /<param name="strategy" value="random"\/>/);
  assert.equal(answerXmlCurl(form({ 'CC-Queue': 'support@default' }), store).outcome, 'not_found');
  assert.equal(answerXmlCurl(form({}), store).outcome, 'not_found', 'module start (no CC-Queue): the files');
  assert.equal(answerXmlCurl(form({ key_value: 'sofia.conf', 'CC-Queue': 'sales@default' }), store).outcome, 'not_found');
  assert.equal(answerXmlCurl(new URLSearchParams({ section: 'dialplan' }), store).outcome, 'not_found');
  assert.equal(answerXmlCurl(form({ 'CC-Queue': 'sales@default' }), { cached: () => undefined }).status, 503, 'definitions not loaded yet');
});
