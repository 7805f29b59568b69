/**
 * Typed errors with stable codes. Every failure a user can meet is one of these; anything else
 * becomes a generic 500 whose detail goes to the log only.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'post_already_decided'
  | 'post_claimed'
  | 'version_required'
  | 'invitation_invalid'
  | 'login_failed'
  | 'password_rejected'
  | 'second_factor_required'
  | 'second_factor_invalid'
  | 'setup_invalid'
  | 'reset_invalid'
  | 'consent_required'
  | 'muted'
  | 'suspended'
  | 'rate_limited'
  | 'csrf_invalid'
  | 'payload_too_large'
  | 'unavailable'
  | 'pm_not_allowed'
  | 'internal';

export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra data that is safe to show the user (never bodies of other people's posts). */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, status: number, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, code: ErrorCode = 'bad_request', details?: Record<string, unknown>) {
    super(code, 400, message, details);
  }
}

export class ValidationError extends AppError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[]) {
    super('validation_failed', 422, message, { issues });
    this.issues = issues;
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Please sign in to continue.') {
    super('unauthenticated', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code: ErrorCode = 'forbidden', details?: Record<string, unknown>) {
    super(code, 403, message, details);
  }
}

/** Also used for everything a viewer may not know exists: a secret group answers 404, not 403. */
export class NotFoundError extends AppError {
  constructor(message = 'We could not find that page.') {
    super('not_found', 404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code: ErrorCode = 'conflict', details?: Record<string, unknown>) {
    super(code, 409, message, details);
  }
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', 429, message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** This instance has more requests waiting than it takes on; the client should come back soon. */
export class BusyError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('unavailable', 503, message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
