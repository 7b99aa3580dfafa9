import { FsEvent, type Header } from './fs-event.js';

/** Values that identify the switch in every event prelude. */
export interface CoreIdentity {
  readonly coreUuid: string;
  readonly hostname: string;
  readonly switchname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

/** Where an event was fired in the real source (Event-Calling-* headers), per fixture. */
export interface CallSite {
  readonly file: string;
  readonly func: string;
  readonly line: number;
}

export const SITES = {
  agentAdd: { file: 'mod_callcenter.c', func: 'cc_agent_add', line: 915 },
  agentGet: { file: 'mod_callcenter.c', func: 'cc_agent_get', line: 970 },
  agentStatus: { file: 'mod_callcenter.c', func: 'cc_agent_update', line: 1043 },
  agentState: { file: 'mod_callcenter.c', func: 'cc_agent_update', line: 1067 },
  agentContact: { file: 'mod_callcenter.c', func: 'cc_agent_update', line: 1091 },
  // state_if_waiting is not in the fixtures; its line is not known.
  agentStateIfWaiting: { file: 'mod_callcenter.c', func: 'cc_agent_update', line: 1156 },
  queueCount: { file: 'mod_callcenter.c', func: 'cc_queue_count', line: 878 },
  memberStart: { file: 'mod_callcenter.c', func: 'callcenter_function', line: 3113 },
  memberCancel: { file: 'mod_callcenter.c', func: 'callcenter_function', line: 3274 },
  offering: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 1717 },
  ovars: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 1755 },
  bridgeStart: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 1934 },
  bridgeEnd: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 2062 },
  memberEnd: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 2098 },
  maxNoAnswer: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 2176 },
  bridgeFail: { file: 'mod_callcenter.c', func: 'outbound_agent_thread_run', line: 2200 },
  backgroundJob: { file: 'mod_event_socket.c', func: 'api_exec', line: 1572 },
  channelCreate: { file: 'switch_core_state_machine.c', func: 'switch_core_session_run', line: 626 },
  channelAnswer: { file: 'switch_channel.c', func: 'switch_channel_perform_mark_answered', line: 3846 },
  channelBridge: { file: 'switch_ivr_bridge.c', func: 'switch_ivr_multi_threaded_bridge', line: 1689 },
  // Fixture 10 (call-control captures).
  channelHold: { file: 'switch_ivr.c', func: 'switch_ivr_hold', line: 1558 },
  channelUnhold: { file: 'switch_ivr.c', func: 'switch_ivr_unhold', line: 1638 },
  channelCallstate: { file: 'switch_channel.c', func: 'switch_channel_perform_set_callstate', line: 301 },
  channelHangupComplete: { file: 'switch_core_state_machine.c', func: 'switch_core_session_reporting_state', line: 943 },
} as const satisfies Record<string, CallSite>;

export const CALLCENTER_SUBCLASS = 'callcenter::info';

/** Wall clock with sub-millisecond precision, for the microsecond timestamps. */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}

const pad = (n: number): string => (n < 10 ? '0' + n : String(n));

/** Event-Date-Local: `%Y-%m-%d %T` in local time. */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Builds the prelude every FreeSWITCH event starts with and hands out
 * Event-Sequence numbers. The sequence is global to the switch: events that
 * are never delivered (like the REQUEST_PARAMS used for originate vars) use one too.
 */
export class EventBuilder {
  private seq = 0;

  constructor(
    readonly id: CoreIdentity,
    private readonly nowMs: () => number = preciseNowMs,
    firstSequence = 1,
  ) {
    this.seq = firstSequence - 1;
  }

  /** Microseconds since the epoch, as Event-Date-Timestamp and the channel times. */
  nowUs(): number {
    return Math.floor(this.nowMs() * 1000);
  }

  nowS(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  prelude(eventName: string, subclass: string | null, site: CallSite): Header[] {
    const ms = this.nowMs();
    const h: Header[] = [];
    if (subclass) h.push(['Event-Subclass', subclass]);
    h.push(
      ['Event-Name', eventName],
      ['Core-UUID', this.id.coreUuid],
      ['FreeSWITCH-Hostname', this.id.hostname],
      ['FreeSWITCH-Switchname', this.id.switchname],
      ['FreeSWITCH-IPv4', this.id.ipv4],
      ['FreeSWITCH-IPv6', this.id.ipv6],
      ['Event-Date-Local', localStamp(ms)],
      ['Event-Date-GMT', new Date(ms).toUTCString()],
      ['Event-Date-Timestamp', String(Math.floor(ms * 1000))],
      ['Event-Calling-File', site.file],
      ['Event-Calling-Function', site.func],
      ['Event-Calling-Line-Number', String(site.line)],
      ['Event-Sequence', String(++this.seq)],
    );
    return h;
  }

  event(name: string, site: CallSite, headers: readonly Header[], body: string | null = null, subclass: string | null = null): FsEvent {
    const h = this.prelude(name, subclass, site);
    for (const x of headers) h.push(x);
    return new FsEvent(name, subclass, h, body);
  }

  /** A callcenter::info CUSTOM event. Headers with an empty value are dropped, as the switch does. */
  callcenter(site: CallSite, headers: readonly (readonly [string, string | null | undefined])[], channel: readonly Header[] = []): FsEvent {
    const h = this.prelude('CUSTOM', CALLCENTER_SUBCLASS, site);
    for (const x of channel) h.push(x);
    for (const [k, v] of headers) if (v) h.push([k, v]);
    return new FsEvent('CUSTOM', CALLCENTER_SUBCLASS, h, null);
  }
}
