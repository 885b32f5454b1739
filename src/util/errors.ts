// The base of every module's typed error: a stable `code`, the inputs that
// produced it, and the underlying cause, as design.md asks.

export type ErrorDetail = Record<string, unknown>;

export class BerthError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly detail: ErrorDetail;

  constructor(code: Code, message: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.detail = detail;
    this.name = new.target.name;
  }
}

/** True when `err` is a Node system error with the given errno code (ENOENT, EEXIST, …). */
export function isErrno(err: unknown, ...codes: string[]): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}
