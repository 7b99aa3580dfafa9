// The desk's commands: the client messages (src/realtime/protocol.ts and the
// shapes in the controls/outbound/after-call additions) built from what the page
// shows. Pure: the shell adds the `id`, sends, and marks the command pending.
//
// The page checks the same grammars as the gateway so a typo is caught before a
// round trip; the gateway checks again (it trusts nothing a page sends).

export const DTMF_RE = /^[0-9*#A-D]{1,32}$/;
export const EXTENSION_RE = /^[0-9]{2,10}$/;
export const NUMBER_RE = /^\+?[0-9]{3,20}$/;
// Queue names as the gateway's grammar allows them (src/callcenter/grammar.ts NAME_PATTERN).
export const QUEUE_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/;

/** Strips what people type around a phone number (spaces, dashes, dots, parentheses); keeps a leading +. */
export function cleanNumber(text) {
  const s = String(text ?? '').trim();
  const plus = s.startsWith('+') ? '+' : '';
  return plus + s.replace(/[\s().-]/g, '').replace(/^\+/, '');
}

/** A transfer/consult target typed or picked by the agent, or an error key. */
export function parseTarget(kind, text) {
  const to = kind === 'queue' ? String(text ?? '').trim() : cleanNumber(text);
  if (kind === 'extension') return EXTENSION_RE.test(to) ? { kind, to } : { error: 'transfer.badExtension' };
  if (kind === 'number') return NUMBER_RE.test(to) ? { kind, to } : { error: 'transfer.badNumber' };
  if (kind === 'queue') return QUEUE_RE.test(to) ? { kind, to } : { error: 'transfer.badQueue' };
  return { error: 'transfer.badKind' };
}

/** What the agent typed in the target field: a queue (name@domain), an extension when short, a number otherwise. */
export function guessTargetKind(text) {
  if (String(text ?? '').includes('@')) return 'queue';
  const to = cleanNumber(text);
  return EXTENSION_RE.test(to) && !to.startsWith('+') ? 'extension' : 'number';
}

/**
 * The message for a call control on the shown call. `memberUuid` lets the gateway
 * refuse it (CALL_GONE) when the call on its side is another one.
 */
export function callCommand(kind, call, args = {}) {
  const ref = call && call.memberUuid ? { memberUuid: call.memberUuid } : {};
  switch (kind) {
    case 'hangup': return { type: 'call.hangup', ...ref };
    case 'hold': return { type: call.held ? 'call.unhold' : 'call.hold', ...ref };
    case 'mute': return { type: call.muted ? 'call.unmute' : 'call.mute', ...ref };
    case 'dtmf': return DTMF_RE.test(args.digits ?? '') ? { type: 'call.dtmf', ...ref, digits: args.digits } : null;
    case 'transfer': return { type: 'call.transfer', ...ref, kind: args.kind, to: args.to };
    case 'consult': return args.kind === 'queue' ? null : { type: 'call.consult', ...ref, kind: args.kind, to: args.to };
    case 'consultComplete': return { type: 'call.consult.complete', ...ref };
    case 'consultCancel': return { type: 'call.consult.cancel', ...ref };
    case 'conference': return { type: 'call.conference', ...ref };
    default: return null;
  }
}

/** Click to dial; the idempotency key makes a resend after a reconnect safe. */
export function dialCommand(text, idempotencyKey) {
  const number = cleanNumber(text);
  if (!NUMBER_RE.test(number)) return { error: 'dial.badNumber' };
  return { msg: { type: 'dial', number, idempotencyKey } };
}

/** A fresh idempotency key (^[A-Za-z0-9_-]{8,64}$). */
export function newIdempotencyKey(random = Math.random) {
  let s = 'desk-';
  for (let i = 0; i < 16; i++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)];
  return s;
}
