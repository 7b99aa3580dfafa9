// The parts of drachtio-modesl's (untyped, CommonJS) Connection that our transport uses.
declare module 'drachtio-modesl' {
  import type { Socket } from 'node:net';
  export class Connection {
    constructor(host: string, port: number, password: string);
    socket: Socket | null;
    /** Set to stop the library's own unbounded reconnect loop: ours replaces it. */
    closing: boolean;
    send(command: string, args?: Record<string, string>): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    once(event: string, listener: (...args: unknown[]) => void): this;
    removeAllListeners(event?: string): this;
  }
  const esl: { Connection: typeof Connection };
  export default esl;
}
