import { types } from 'node:util';

/**
 * One error type for the whole app. `expected` errors (bad input, missing pages, a database outage) are answered
 * with their own status and message; anything else becomes a generic 500 whose details only reach the log.
 * `code` picks the localised text on error pages (see i18n `error.<code>`).
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expected: boolean;
  readonly details?: unknown;

  constructor(status: number, code: string, message: string, options: { expected?: boolean; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.expected = options.expected ?? status < 500;
    this.details = options.details;
  }
}

export class BadRequestError extends AppError {
  constructor(message = 'The request could not be understood.', details?: unknown) {
    super(400, 'bad_request', message, { details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Sign-in required.') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have access to this resource.') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message = 'This was already done.', code = 'conflict') {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large.') {
    super(413, 'too_large', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Unsupported content type.') {
    super(415, 'unsupported_media_type', message);
  }
}

export class ValidationError extends AppError {
  constructor(message = 'Some fields are invalid.', details?: unknown) {
    super(422, 'validation', message, { details });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message = 'Too many requests; please try again shortly.') {
    super(429, 'too_many_requests', message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'The service is temporarily unavailable.', cause?: unknown) {
    super(503, 'unavailable', message, { expected: true, cause });
  }
}

const DATABASE_DOWN_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
  // A reply the driver cannot read (the embedded FerretDB once answered finds without their cursor right after a
  // million answers were written into it): the database is not answering properly, try again.
  'MongoUnexpectedServerResponseError',
]);

/**
 * Socket errors the driver lets through unwrapped: mongodb 7's `Connection.writeCommand` rethrows the socket's
 * 'error' while it waits for 'drain', so a write to a connection the database server has just closed (it stopped
 * or restarted) fails with Node's plain `Error` "This socket has been ended by the other party" (EPIPE), not a
 * MongoNetworkError. Seen in test/reliability/database-fault.test.ts as a 500 on a form post during the outage.
 */
const SOCKET_GONE_CODES = new Set(['EPIPE', 'ECONNRESET']);

/** Also true for errors made by Node itself when this code runs in another realm (jest's sandbox), unlike `instanceof`. */
const isError = (value: unknown): value is Error => value instanceof Error || types.isNativeError(value);

/** The messages of the network errors a bulk write wraps: a connection closed or timed out, or refused. */
const BULK_CUT_OFF =
  /^(connection \S+ to \S+ (closed|timed out)|connect (ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b|read ECONNRESET|write EPIPE|Server selection timed out|Topology is closed|Connection pool .* (was )?(cleared|closed))/i;

const hasWriteErrors = (error: Error) => {
  const list = (error as { writeErrors?: unknown }).writeErrors;
  return Array.isArray(list) ? list.length > 0 : Boolean(list);
};

/** True for driver errors that mean "the database cannot be reached right now", which we answer with 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!isError(error)) return false;
  if (DATABASE_DOWN_NAMES.has(error.name)) return true;
  if (SOCKET_GONE_CODES.has(String((error as { code?: unknown }).code))) return true;
  // mongoose with bufferCommands=false, before the first connection or after close().
  if (error.name === 'MongooseError' && /initial connection|connection.*closed|not connected/i.test(error.message)) return true;
  // A bulk write cut off by a lost connection: the driver wraps the network error, keeping only its message.
  if (
    error.name === 'MongoBulkWriteError' &&
    !hasWriteErrors(error) &&
    (BULK_CUT_OFF.test(error.message) || SOCKET_GONE_CODES.has(String((error as { code?: unknown }).code)))
  )
    return true;
  return error.cause !== undefined && error.cause !== error && isDatabaseUnavailable(error.cause);
}

/** Errors thrown by express's body parsers carry a status and a type; map them onto our own errors. */
export function fromBodyParserError(error: unknown): AppError | undefined {
  if (!(error instanceof Error) || !('type' in error)) return undefined;
  switch ((error as { type?: unknown }).type) {
    case 'entity.too.large':
      return new PayloadTooLargeError();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('Unsupported body encoding or charset.');
    case 'entity.parse.failed':
    case 'entity.verify.failed':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'parameters.too.many':
      return new BadRequestError('The request body could not be read.');
    default:
      return undefined;
  }
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return new ServiceUnavailableError(undefined, error);
  // mongoose refusing a value of the wrong type (e.g. an operator object where a string belongs) is bad input.
  if (error instanceof Error && (error.name === 'CastError' || error.name === 'StrictModeError')) {
    return new BadRequestError('A value has the wrong type.');
  }
  // A document mongoose refuses to store (a value outside its schema) is the request's fault, not ours.
  if (error instanceof Error && error.name === 'ValidationError' && 'errors' in error) {
    return new ValidationError('A value is not acceptable.');
  }
  const parsed = fromBodyParserError(error);
  if (parsed) return parsed;
  // Errors from other libraries that carry an HTTP status in the 4xx range (e.g. a malformed URI) are the client's.
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(status, 'bad_request', 'Bad request.');
  return new AppError(500, 'internal', 'Internal error.', { expected: false, cause: error });
}
