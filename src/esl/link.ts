import type { EventEmitter } from 'node:events';
import type { ApiOptions, EslClientEvents, LinkState } from './client.js';

/**
 * What the domain needs of "the switch": one ESL link (EslClient) or several
 * switches behind a router (src/switches/SwitchSet). Commands go in, events
 * come out; which box a command reaches is the link's business.
 */
export interface EslLink extends Pick<EventEmitter<EslClientEvents>, 'on' | 'once' | 'off' | 'listenerCount'> {
  /** At least one switch can take commands. */
  readonly ready: boolean;
  linkState(): LinkState;
  api(command: string, opts?: ApiOptions): Promise<string>;
  bgapi(command: string, opts?: BgapiOptions): Promise<string>;
}

export interface BgapiOptions {
  readonly timeoutMs?: number;
  /**
   * Several switches: send to the switch that holds this channel (a new leg that must live on
   * the same box as an existing one, e.g. a consult leg later bridged to the caller). One link: ignored.
   */
  readonly near?: string;
}
