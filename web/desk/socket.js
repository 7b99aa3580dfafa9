// The one WebSocket to the gateway (/ws): connect, reconnect with backoff, send.
// It knows nothing about the desk: messages go to onMessage as parsed objects.

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

export function createSocket({ url, onOpen, onMessage, onClose, onChange }) {
  let ws = null;
  let attempts = 0;
  let reconnectTimer = null;

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    let sock;
    try {
      sock = new WebSocket(url);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = sock;
    onChange();
    // Handlers check `ws === sock` so a socket we already replaced cannot touch the page.
    sock.addEventListener('open', () => {
      if (ws === sock) onOpen();
    });
    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg && typeof msg === 'object' && !Array.isArray(msg)) onMessage(msg);
    });
    sock.addEventListener('close', () => {
      if (ws !== sock) return;
      ws = null;
      onClose();
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts);
    attempts += 1;
    // A little jitter so a gateway restart is not met by every desk in the same millisecond.
    const delay = Math.max(BACKOFF_MIN_MS, Math.round(base * (0.8 + Math.random() * 0.2)));
    reconnectTimer = setTimeout(connect, delay);
    onChange();
  }

  return {
    connect,
    /** Sends one message; false when there is no open socket. */
    send(msg) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(msg));
      return true;
    },
    /** Closes the current socket (a reconnect follows with backoff). */
    close(code, reason) {
      ws?.close(code, reason);
    },
    /** Starts over on a new socket at once (after logout: the next login gets a socket that never carried the old session). */
    restart() {
      const old = ws;
      ws = null;
      if (old) old.close(1000, 'restart');
      attempts = 0;
      connect();
    },
    resetBackoff() {
      attempts = 0;
    },
    /** The network came back: do not sit out the rest of a long backoff. */
    wake() {
      if (!ws) {
        attempts = 0;
        connect();
      }
    },
  };
}
