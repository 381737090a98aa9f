import vm from 'node:vm';
import { AppError, isDatabaseUnavailable, NotFoundError, toAppError } from '../../src/errors';

describe('errors', () => {
  it('when a driver says no server is selectable, then it maps to an expected 503', () => {
    const driverError = Object.assign(new Error('Server selection timed out after 2000 ms'), { name: 'MongoServerSelectionError' });
    expect(isDatabaseUnavailable(driverError)).toBe(true);
    const mapped = toAppError(driverError);
    expect(mapped.status).toBe(503);
    expect(mapped.expected).toBe(true);
  });

  it('when the database answers with a reply the driver cannot read (a find without its cursor), then it maps to 503', () => {
    const unreadable = Object.assign(new Error('BSON element "cursor" is missing'), { name: 'MongoUnexpectedServerResponseError' });
    expect(toAppError(unreadable).status).toBe(503);
  });

  it('when the driver lets a raw socket error through (a write after the database closed the connection), then it maps to 503', () => {
    // The error of Node's writeAfterFIN, which mongodb 7 rethrows from Connection.writeCommand. Made in another
    // realm, as Node's own errors are under jest's sandbox (there `instanceof Error` is false for them).
    const socketError: unknown = vm.runInNewContext(`Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' })`);
    expect(isDatabaseUnavailable(socketError)).toBe(true);
    expect(toAppError(socketError).status).toBe(503);
  });

  it('when a bulk write is cut off by a lost connection, then it maps to 503; a bulk refused by the database does not', () => {
    const cutOff = Object.assign(new Error('connection 15 to 127.0.0.1:46429 closed'), { name: 'MongoBulkWriteError', writeErrors: [] });
    expect(isDatabaseUnavailable(cutOff)).toBe(true);
    expect(toAppError(cutOff).status).toBe(503);
    const notReached = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:39085'), { name: 'MongoBulkWriteError', writeErrors: [] });
    expect(isDatabaseUnavailable(notReached)).toBe(true);
    const refused = Object.assign(new Error('E11000 duplicate key error'), { name: 'MongoBulkWriteError', writeErrors: [{ index: 0, code: 11000 }] });
    expect(isDatabaseUnavailable(refused)).toBe(false);
  });

  it('when an unknown error is thrown, then it becomes an unexpected 500 with a generic message', () => {
    const mapped = toAppError(new TypeError('x is undefined at secret/path.ts:12'));
    expect(mapped.status).toBe(500);
    expect(mapped.expected).toBe(false);
    expect(mapped.message).toBe('Internal error.');
  });

  it('when a body parser rejects a too-large body, then it maps to 413', () => {
    const parserError = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
    expect(toAppError(parserError).status).toBe(413);
  });

  it('when an AppError subclass is thrown, then it keeps its status and code', () => {
    const error = toAppError(new NotFoundError());
    expect(error).toBeInstanceOf(AppError);
    expect([error.status, error.code]).toEqual([404, 'not_found']);
  });
});

describe('mongoose validation errors', () => {
  it('when mongoose refuses a document (a value outside the schema), then it maps to 422, not 500', () => {
    const refused = Object.assign(new Error('Link validation failed: closesAt: Cast to date failed'), { name: 'ValidationError', errors: {} });
    expect(toAppError(refused).status).toBe(422);
  });
});
