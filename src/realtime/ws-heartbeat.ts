import type { WebSocket, WebSocketServer } from 'ws';
import type { Connection } from './ws-connection.js';

/**
 * Pings every socket each `pingMs`; one that sent nothing and answered no ping
 * since the last round is terminated (its close then detaches it like any other).
 * `onRound` runs first in each round (housekeeping on the same clock).
 */
export function startHeartbeat(wss: WebSocketServer, connectionOf: (ws: WebSocket) => Connection | undefined, pingMs: number, onRound: () => void): { stop(): void } {
  const timer = setInterval(() => {
    onRound();
    for (const ws of wss.clients) {
      const c = connectionOf(ws);
      if (!c) continue;
      if (!c.alive) {
        ws.terminate();
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }, pingMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
