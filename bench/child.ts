import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** A forked TypeScript child and a way to wait for its next message of a type. */
export class Child<In, Out extends { type: string }> {
  private readonly inbox: Out[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly proc: ChildProcess;

  constructor(script: string, env: Record<string, string>) {
    this.proc = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: Out) => {
      this.inbox.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(m: In): void {
    this.proc.send(m as object);
  }

  async next<T extends Out['type']>(type: T, timeoutMs = 120_000): Promise<Extract<Out, { type: T }>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<Out, { type: T }>;
      if (Date.now() > end) throw new Error(`child sent no ${type} within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async ask<T extends Out['type']>(m: In, type: T): Promise<Extract<Out, { type: T }>> {
    this.send(m);
    return this.next(type);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    try {
      this.send({ type: 'stop' } as In);
    } catch {
      this.proc.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
