// The wallboard feed: Server-Sent Events from /api/wallboard/stream, read with
// fetch() so that the token travels in the Authorization header (EventSource
// cannot send one, and a token in a URL ends up in logs and history).
// Reconnects with backoff; a 401/403 stops it (the token is wrong, retrying
// cannot help).

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/**
 * Starts reading; calls dispatch({type: 'open' | 'snapshot' | 'dropped' | 'denied', ...}).
 * Returns a stop function.
 */
export function startFeed({ token, queue, dispatch, fetchImpl = fetch }) {
  let stopped = false;
  let backoff = BACKOFF_MIN_MS;
  let controller = null;
  let retryTimer = null;

  const url = `/api/wallboard/stream${queue ? `?queue=${encodeURIComponent(queue)}` : ''}`;

  async function connect() {
    controller = new AbortController();
    try {
      const res = await fetchImpl(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' });
      if (res.status === 401 || res.status === 403) {
        dispatch({ type: 'denied', status: res.status });
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      dispatch({ type: 'open' });
      backoff = BACKOFF_MIN_MS;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          handle(block);
        }
      }
      throw new Error('stream ended');
    } catch {
      if (stopped) return;
      dispatch({ type: 'dropped' });
      retryTimer = setTimeout(connect, backoff);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
  }

  function handle(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (event !== 'snapshot' || data.length === 0) return;
    try {
      dispatch({ type: 'snapshot', body: JSON.parse(data.join('\n')), receivedAt: Date.now() });
    } catch {
      // a malformed event is skipped; the next one replaces it
    }
  }

  void connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    controller?.abort();
  };
}
