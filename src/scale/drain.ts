import type { DeskSockets } from '../realtime/ws-server.js';

/**
 * Draining for a deploy: the instance says it is not ready (/readyz 503, so the
 * balancer stops sending new work), refuses new desk sockets and closes the
 * open ones with 1012; the pages reconnect and resume on another instance.
 */
export class Drain {
  private started: number | null = null;
  private sockets: DeskSockets | null = null;

  bind(sockets: DeskSockets): void {
    this.sockets = sockets;
  }

  get draining(): boolean {
    return this.started !== null;
  }

  /** Starts draining (again: closes what reconnected meanwhile); returns how many pages were told to move. */
  start(): number {
    this.started ??= Date.now();
    return this.sockets?.drain() ?? 0;
  }
}
