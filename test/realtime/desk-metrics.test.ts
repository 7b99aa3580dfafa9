import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, login } from './desk-helpers.js';
import { sample } from '../helpers/metrics.js';

/** A histogram's series before its first observation is absent: 0. */
const observed = (text: string, series: string): number => sample(text, series, 0);

describe('latency histograms of the pushes', () => {
  let s: Stack;
  before(async () => {
    s = await startStack();
  });
  after(async () => {
    await s.stop();
  });

  const metrics = async () => String((await s.api('GET', '/metrics')).body);

  it('a push caused by an ESL event observes cc_push_latency_seconds and cc_event_age_seconds by type', async () => {
    const agent = '5101@default';
    await addAgent(s, agent, { queue: null });
    const { desk } = await login(s, agent);
    const text0 = await metrics();
    const pushes0 = observed(text0, 'cc_push_latency_seconds_count{type="agent.status"}');
    const ages0 = observed(text0, 'cc_event_age_seconds_count{type="agent.status"}');
    assert.equal((await desk.request({ type: 'ready' })).type, 'ack');
    await desk.next('agent.status', (m) => m.status === 'Available');
    let text = '';
    await waitFor(async () => observed((text = await metrics()), 'cc_push_latency_seconds_count{type="agent.status"}') > pushes0, 'push latency observed');
    assert.ok(observed(text, 'cc_event_age_seconds_count{type="agent.status"}') > ages0, 'event age observed');
    // Seconds, not milliseconds or microseconds: one loopback push takes well under a minute.
    const sum = observed(text, 'cc_push_latency_seconds_sum{type="agent.status"}');
    const pushCount = observed(text, 'cc_push_latency_seconds_count{type="agent.status"}');
    assert.ok(sum >= 0 && sum / pushCount < 60, `mean ${sum / pushCount} s`);
    const ageSum = observed(text, 'cc_event_age_seconds_sum{type="agent.status"}');
    const ageCount = observed(text, 'cc_event_age_seconds_count{type="agent.status"}');
    assert.ok(ageSum >= 0 && ageSum / ageCount < 60, `mean age ${ageSum / ageCount} s`);
    // The old, never-observed histogram is gone.
    assert.doesNotMatch(text, /cc_pop_delivery_seconds/);
    desk.close();
  });

  it('a screen pop (call.offered) is observed under its own type', async () => {
    const agent = '5102@default';
    await addAgent(s, agent);
    const { desk } = await login(s, agent, { ready: true });
    s.fs.injectCaller({ number: '15550005102', name: 'Metrics Caller' });
    await desk.next('call.offered');
    await waitFor(async () => observed(await metrics(), 'cc_push_latency_seconds_count{type="call.offered"}') >= 1, 'call.offered observed');
    assert.ok(observed(await metrics(), 'cc_event_age_seconds_count{type="call.offered"}') >= 1);
    desk.close();
  });
});
