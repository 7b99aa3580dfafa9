/** One FreeSWITCH box the gateway connects to. */
export interface SwitchAddress {
  /** Names the box in logs, metrics (`switch` label), /readyz and events (EslEvent.switchId). */
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const HOST = /^[A-Za-z0-9.-]{1,253}$/;

/**
 * `ESL_HOSTS=id@host:port,host:port,…`: every switch, in preference order (agent and tier
 * commands go to the first one that is up). An entry without `id@` is named `host:port`.
 * Unset or empty: the one switch `ESL_HOST:ESL_PORT`, as before (`fallback`).
 */
export function parseSwitches(raw: string | undefined, fallback: { host: string; port: number }, fail: (message: string) => Error): SwitchAddress[] {
  if (raw === undefined || raw.trim() === '') return [{ id: `${fallback.host}:${fallback.port}`, ...fallback }];
  const out: SwitchAddress[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf('@');
    const id = at === -1 ? null : entry.slice(0, at);
    const address = at === -1 ? entry : entry.slice(at + 1);
    const colon = address.lastIndexOf(':');
    const host = colon === -1 ? '' : address.slice(0, colon);
    const portText = colon === -1 ? '' : address.slice(colon + 1);
    const port = Number(portText);
    if (id !== null && !ID.test(id)) throw fail(`ESL_HOSTS: switch id ${JSON.stringify(id)} must be 1 to 32 letters, digits, _ or -`);
    if (!HOST.test(host) || !/^[0-9]{1,5}$/.test(portText) || port < 1 || port > 65535) {
      throw fail(`ESL_HOSTS entry ${JSON.stringify(entry)} must be [id@]host:port`);
    }
    out.push({ id: id ?? `${host}:${port}`, host, port });
  }
  if (out.length === 0) throw fail('ESL_HOSTS names no switch');
  const ids = new Set(out.map((s) => s.id));
  if (ids.size !== out.length) throw fail('ESL_HOSTS: switch ids must be distinct');
  const addresses = new Set(out.map((s) => `${s.host}:${s.port}`));
  if (addresses.size !== out.length) throw fail('ESL_HOSTS: the same host:port is listed twice');
  return out;
}
