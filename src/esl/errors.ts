/** Typed failures of the ESL link. Every command rejects with one of these. */

export class EslError extends Error {
  override name = 'EslError';
}

/** The switch answered `-ERR …` (or `-USAGE …`); `reply` is its exact text, trimmed. */
export class EslCommandError extends EslError {
  override name = 'EslCommandError';
  constructor(
    readonly command: string,
    readonly reply: string,
  ) {
    super(`${command.split(' ').slice(0, 3).join(' ')}: ${reply}`);
  }
}

/** No reply within the command timeout. The command may still take effect. */
export class EslTimeoutError extends EslError {
  override name = 'EslTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply from FreeSWITCH within ${timeoutMs} ms`);
  }
}

/** The link is down, or went down before the reply arrived. */
export class EslLinkDownError extends EslError {
  override name = 'EslLinkDownError';
  constructor(message = 'ESL link to FreeSWITCH is down') {
    super(message);
  }
}

/** The switch refused our password. */
export class EslAuthError extends EslError {
  override name = 'EslAuthError';
  constructor(readonly reply: string) {
    super(`FreeSWITCH refused the ESL password (${reply}); check ESL_PASSWORD`);
  }
}

/** A string that must never reach the wire (control characters). Nothing was sent. */
export class EslWireError extends EslError {
  override name = 'EslWireError';
}
