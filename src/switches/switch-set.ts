import { EventEmitter } from 'node:events';
import type { ApiOptions, EslClient, EslClientEvents, LinkState } from '../esl/client.js';
import { EslLinkDownError } from '../esl/errors.js';
import type { BgapiOptions, EslLink } from '../esl/link.js';
import type { Logger } from '../log.js';
import { ChannelLocator } from './locator.js';
import { mergeReplies, withoutMembersOf } from './merge.js';
import { routeOf, type MergeKind } from './route.js';

/** One switch: its event+command link, and its bulk-read link (null: lists go over the main one). */
export interface SwitchLinks {
  readonly id: string;
  readonly main: EslClient;
  readonly bulk: EslClient | null;
}

export interface SwitchState {
  readonly id: string;
  readonly connected: boolean;
  readonly link: LinkState;
}

export interface SwitchSetEvents {
  /** A switch's link came up (authenticated, subscribed). */
  up: [id: string];
  /** A switch's link went down after being up: its channels (those learnt from its events) are gone with it. */
  down: [id: string, error: Error, channels: ReadonlySet<string>];
}

type Pick = 'main' | 'bulk';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Several FreeSWITCH boxes sharing mod_callcenter's agents and tiers (mod_pgsql),
 * seen by the domain as one link (EslLink):
 *
 * - events: every switch's, merged, each stamped with its switch id (EslEvent.switchId);
 * - commands: routed by route.ts: agent/tier changes to the first switch up (shared rows),
 *   call commands to the switch holding the channel, per-box lists and queue loads to
 *   every switch up (replies merged), a new originate round robin over the switches up;
 * - `ready` is emitted whenever the set of switches up changes and at least one is up
 *   (a switch came up, or one went down while others stay): every reader relists then,
 *   which drops a dead box's members and calls and merges a returning box's.
 *   `down` is emitted when the last switch goes down.
 */
export class SwitchSet extends EventEmitter<EslClientEvents> implements EslLink {
  /** Per-switch link changes (metrics, logs). */
  readonly switches = new EventEmitter<SwitchSetEvents>();
  private readonly locator = new ChannelLocator();
  private readonly up = new Set<string>();
  private turn = 0;
  private readonly bulkView: EslLink;

  constructor(
    private readonly links: readonly SwitchLinks[],
    private readonly log: Logger,
  ) {
    super();
    if (links.length === 0) throw new Error('SwitchSet needs at least one switch');
    for (const l of links) {
      l.main.on('event', (e, readAt) => {
        this.locator.learn(l.id, e);
        this.emit('event', e, readAt);
      });
      l.main.on('command', (o) => this.emit('command', o));
      l.main.on('ready', () => {
        this.up.add(l.id);
        this.log.info({ switch: l.id, up: this.up.size }, 'switch link up');
        this.switches.emit('up', l.id);
        this.emit('ready');
      });
      l.main.on('down', (err) => {
        // Every failed reconnect attempt says `down` too: only a link that was up counts.
        if (!this.up.delete(l.id)) return;
        const channels = this.locator.forgetSwitch(l.id);
        this.log.warn({ switch: l.id, up: this.up.size, channels: channels.size, err: err.message }, 'switch link down; its calls are gone from this gateway');
        this.switches.emit('down', l.id, err, channels);
        if (this.up.size > 0) this.emit('ready');
        else this.emit('down', err);
      });
    }
    this.bulkView = this.view('bulk');
  }

  get ready(): boolean {
    return this.up.size > 0;
  }

  /** The switches in ESL_HOSTS order with their link state (for /readyz and metrics). */
  states(): SwitchState[] {
    return this.links.map((l) => ({ id: l.id, connected: this.up.has(l.id), link: l.main.linkState() }));
  }

  /** Connected while one switch is; counters summed; the state and error of the first switch that is down. */
  linkState(): LinkState {
    const states = this.links.map((l) => l.main.linkState());
    const connected = this.ready;
    const first = states.find((s) => s.connected === connected) ?? states[0]!;
    const down = states.find((s) => !s.connected && s.lastError);
    return {
      connected,
      since: first.since,
      lastError: down?.lastError ?? null,
      reconnects: states.reduce((n, s) => n + s.reconnects, 0),
      attempts: states.reduce((n, s) => n + s.attempts, 0),
    };
  }

  /** Bulk reads: the same routing over each switch's bulk link (its main link while that is down). */
  get bulk(): EslLink {
    return this.bulkView;
  }

  start(): void {
    for (const l of this.links) {
      l.bulk?.start();
      l.main.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.flatMap((l) => (l.bulk ? [l.main.stop(), l.bulk.stop()] : [l.main.stop()])));
  }

  api(command: string, opts: ApiOptions = {}): Promise<string> {
    return this.send('main', command, opts, false);
  }

  bgapi(command: string, opts: BgapiOptions = {}): Promise<string> {
    return this.send('main', command, opts, true);
  }

  /** Where the channel lives, if a switch that is up holds it (learnt, else asked with `uuid_exists`). */
  async locate(uuid: string): Promise<string | null> {
    // Only a uuid reaches the switch here (`near` comes from the call model, but is checked all the same).
    if (!UUID.test(uuid)) return null;
    const known = this.locator.switchOf(uuid);
    if (known && this.up.has(known)) return known;
    const asked = await Promise.all(
      this.linksUp().map((l) =>
        l.main.api(`uuid_exists ${uuid}`).then(
          (body) => (body.trim() === 'true' ? l.id : null),
          () => null,
        ),
      ),
    );
    const found = asked.find((id) => id !== null) ?? null;
    if (found) this.locator.place(uuid, found);
    return found;
  }

  private linksUp(): SwitchLinks[] {
    return this.links.filter((l) => this.up.has(l.id));
  }

  private client(l: SwitchLinks, pick: Pick): EslClient {
    return pick === 'bulk' && l.bulk?.ready ? l.bulk : l.main;
  }

  private view(pick: Pick): EslLink {
    return new RoutedView(this, pick, this.links);
  }

  /** Used by RoutedView. */
  sendVia(pick: Pick, command: string, opts: ApiOptions & BgapiOptions, background: boolean): Promise<string> {
    return this.send(pick, command, opts, background);
  }

  private async send(pick: Pick, command: string, opts: ApiOptions & BgapiOptions, background: boolean): Promise<string> {
    const up = this.linksUp();
    if (up.length === 0) throw new EslLinkDownError();
    const route = routeOf(command);
    if (route.kind === 'every') return this.sendToEvery(up, pick, command, route.merge, opts, background);
    let target: SwitchLinks | undefined;
    if (opts.near) {
      target = this.byId(await this.locate(opts.near));
      if (!target) throw new EslLinkDownError(`no switch that is up holds channel ${opts.near}`);
    } else if (route.kind === 'call' || route.kind === 'new-call') {
      for (const uuid of route.uuids) {
        const id = this.locator.switchOf(uuid);
        if (id && this.up.has(id)) {
          target = this.byId(id);
          break;
        }
      }
      // Not learnt from events yet (a leg before its first event): ask every switch.
      if (!target && route.kind === 'call' && up.length > 1) target = this.byId(await this.locate(route.uuids[0]!));
      // An originate naming no live channel: the switches up take turns (click to dial).
      if (!target && route.kind === 'new-call') target = up[this.turn++ % up.length];
    }
    // Shared rows (agents, tiers, members), or a channel no switch holds (its own switch error says so).
    target ??= this.linksUp()[0];
    if (!target) throw new EslLinkDownError();
    if (route.kind === 'shared' && route.members && !background) {
      // Callers of a box that is down are gone with it; the database still lists them.
      const down = new Set(this.links.filter((l) => !this.up.has(l.id)).map((l) => l.id));
      const filtered = (body: string) => withoutMembersOf(down, body);
      const onReply = opts.onReply;
      const body = await this.sendTo(target, pick, command, { ...opts, ...(onReply ? { onReply: (b: string) => onReply(filtered(b)) } : {}) }, false);
      return filtered(body);
    }
    return this.sendTo(target, pick, command, opts, background);
  }

  private byId(id: string | null): SwitchLinks | undefined {
    return id === null ? undefined : this.links.find((l) => l.id === id && this.up.has(l.id));
  }

  private sendTo(l: SwitchLinks, pick: Pick, command: string, opts: ApiOptions & BgapiOptions, background: boolean): Promise<string> {
    const client = this.client(l, pick);
    if (background) return client.bgapi(command, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
    return client.api(command, { ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.onReply ? { onReply: opts.onReply } : {}) });
  }

  /**
   * The command on every switch up; one merged reply. `onReply` runs with the merged body inside the
   * last switch's own reply callback, before any event read after that reply (as over one link).
   * Any switch failing fails the whole (a list missing a box's rows would drop its callers).
   */
  private async sendToEvery(up: readonly SwitchLinks[], pick: Pick, command: string, merge: MergeKind, opts: ApiOptions, background: boolean): Promise<string> {
    if (background) {
      const bodies = await Promise.all(up.map((l) => this.client(l, pick).bgapi(command, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {})));
      return mergeReplies(merge, bodies);
    }
    const bodies: Array<string | undefined> = up.map(() => undefined);
    let arrived = 0;
    let merged: string | null = null;
    await Promise.all(
      up.map((l, i) =>
        this.client(l, pick).api(command, {
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
          onReply: (body) => {
            bodies[i] = body;
            if (++arrived < up.length) return;
            merged = mergeReplies(merge, bodies as string[]);
            opts.onReply?.(merged);
          },
        }),
      ),
    );
    return merged ?? mergeReplies(merge, bodies as string[]);
  }
}

/** The set as seen through another pick of links (bulk reads): same routing, same readiness. */
class RoutedView extends EventEmitter<EslClientEvents> implements EslLink {
  constructor(
    private readonly set: SwitchSet,
    private readonly pick: Pick,
    links: readonly SwitchLinks[],
  ) {
    super();
    for (const l of links) l.bulk?.on('command', (o) => this.emit('command', o));
  }

  get ready(): boolean {
    return this.set.ready;
  }

  linkState(): LinkState {
    return this.set.linkState();
  }

  api(command: string, opts: ApiOptions = {}): Promise<string> {
    return this.set.sendVia(this.pick, command, opts, false);
  }

  bgapi(command: string, opts: BgapiOptions = {}): Promise<string> {
    return this.set.sendVia(this.pick, command, opts, true);
  }
}
