import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Children of the real-switch tier (switch, phones) die with the test process: a failed assertion,
 * an uncaught error or the runner's SIGTERM must not leave a FreeSWITCH or a phone behind.
 */
const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const p of live) {
    if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

export function stopAllOnExit(p: ChildProcess): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

const exited = (p: ChildProcess): boolean => p.exitCode !== null || p.signalCode !== null;

/** Sends `signals` one after the other to the PID (each given `graceMs` to work), then SIGKILL. */
export async function stopByPid(p: ChildProcess, signals: readonly NodeJS.Signals[], graceMs: number): Promise<void> {
  if (p.pid === undefined || exited(p)) return;
  const done = once(p, 'exit');
  for (const sig of [...signals, 'SIGKILL' as const]) {
    if (exited(p)) break;
    try {
      process.kill(p.pid, sig);
    } catch {
      break;
    }
    const t = new Promise<'late'>((r) => setTimeout(() => r('late'), sig === 'SIGKILL' ? 5000 : graceMs).unref());
    if ((await Promise.race([done.then(() => 'exit' as const), t])) === 'exit') break;
  }
  live.delete(p);
}
