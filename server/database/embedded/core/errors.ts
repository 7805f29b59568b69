/** A command failure reported to the client as `{ ok: 0, code, codeName, errmsg, ...extra }`. */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

export const badValue = (msg: string): CommandError => new CommandError(2, 'BadValue', msg);
export const failedToParse = (msg: string): CommandError =>
  new CommandError(9, 'FailedToParse', msg);
export const notSupported = (what: string): CommandError =>
  new CommandError(
    115,
    'CommandNotSupported',
    `${what} is not supported by Harbour's embedded database engine`,
  );
