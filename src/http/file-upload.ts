import type { Request } from 'express';
import busboy from 'busboy';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';

export interface UploadedFile {
  name: string;
  bytes: Buffer;
}

/**
 * The one file of a `multipart/form-data` form (field `field`), held in memory up to `maxBytes`. Other fields are
 * ignored, and so is a second file. A body that is not multipart is 415, a file over the limit 413 (the rest of
 * the body is still read, so the client sees the answer), a form without the file 400.
 */
export function readUploadedFile(req: Request, options: { field: string; maxBytes: number }): Promise<UploadedFile> {
  if (!req.is('multipart/form-data')) return Promise.reject(new UnsupportedMediaTypeError('Send the file as multipart/form-data.'));
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: options.maxBytes, fields: 20, parts: 25 } });
    } catch {
      reject(new BadRequestError('The multipart body could not be read.'));
      return;
    }
    let file: UploadedFile | undefined;
    let failure: Error | undefined;
    parser.on('file', (name, stream, info) => {
      if (name !== options.field || file) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        failure = new PayloadTooLargeError(`The file is larger than ${Math.round(options.maxBytes / 1e6)} MB.`);
      });
      stream.on('close', () => {
        if (!failure) file = { name: info.filename ?? '', bytes: Buffer.concat(chunks) };
      });
    });
    parser.on('error', () => {
      reject(new BadRequestError('The multipart body could not be read.'));
    });
    parser.on('close', () => {
      if (failure) reject(failure);
      else if (!file || file.bytes.length === 0) reject(new BadRequestError('Choose a file to upload.'));
      else resolve(file);
    });
    req.pipe(parser);
  });
}
