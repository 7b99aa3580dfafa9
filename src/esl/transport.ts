import modesl from 'drachtio-modesl';
import { EslFrameParser, type EslFrame } from './frame-parser.js';
import { EslLinkDownError } from './errors.js';

/**
 * One TCP connection to the switch, opened and written through drachtio-modesl.
 *
 * What we keep from the library: the inbound Connection (socket set-up,
 * keep-alive) and its command writer. What we replace: its Parser (17k
 * events/s on the fixtures, see bench/), its callback FIFOs (no timeout, never
 * failed on drop), its automatic subscription and its unbounded reconnect loop,
 * all of which live in EslClient instead.
 */
export interface EslTransport {
  /** Writes one command block (already validated by wire.ts). */
  send(command: string, headers?: Readonly<Record<string, string>>): void;
  /** Closes the socket; onClose still fires once. */
  destroy(reason?: Error): void;
}

export interface TransportHandlers {
  onConnect(): void;
  /** `readAt`: performance.now() when the chunk that completed the frame was read off the socket. */
  onFrame(frame: EslFrame, readAt: number): void;
  /** Fires exactly once per transport, whether it ever connected or not. */
  onClose(error: Error): void;
}

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly connectTimeoutMs: number;
}

export function openTransport(opts: TransportOptions, handlers: TransportHandlers): EslTransport {
  const conn = new modesl.Connection(opts.host, opts.port, opts.password);
  conn.closing = true; // disables modesl's own reconnect; EslClient owns reconnection
  const socket = conn.socket;
  if (!socket) throw new EslLinkDownError('modesl did not create a socket');

  let closed = false;
  let lastError: Error | null = null;
  const finish = (error: Error): void => {
    if (closed) return;
    closed = true;
    clearTimeout(connectTimer);
    handlers.onClose(error);
  };
  const connectTimer = setTimeout(() => {
    socket.destroy(new EslLinkDownError(`connect to ${opts.host}:${opts.port} timed out after ${opts.connectTimeoutMs} ms`));
  }, opts.connectTimeoutMs);

  let chunkAt = 0;
  const parser = new EslFrameParser((frame) => handlers.onFrame(frame, chunkAt));
  conn.once('esl::connect', () => {
    clearTimeout(connectTimer);
    // Detach modesl's Parser before the first byte arrives and read the stream ourselves.
    socket.removeAllListeners('data');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      chunkAt = performance.now();
      try {
        parser.push(chunk);
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    handlers.onConnect();
  });
  socket.on('error', (err) => {
    lastError = err;
  });
  socket.on('close', () => finish(lastError ?? new EslLinkDownError('FreeSWITCH closed the ESL connection')));

  return {
    send(command, headers) {
      if (closed || socket.destroyed) throw new EslLinkDownError();
      // modesl writes a block in several pieces; cork so it leaves as one segment.
      socket.cork();
      conn.send(command, headers ? { ...headers } : undefined);
      socket.uncork();
    },
    destroy(reason) {
      if (reason) lastError = reason;
      socket.destroy();
    },
  };
}
