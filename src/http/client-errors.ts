import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused connection may go on sending before it is cut. */
const DRAIN_MS = 5_000;

const STATUS_LINES: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Content Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * Answers a request that node's HTTP parser refuses (a head over 16 kB, a malformed request line) so that the
 * client reads the answer. Node's own handling writes the status and destroys the socket at once; with the rest of
 * the request still unread, the kernel then resets the connection, and on Node.js 24 the client often saw only
 * "ECONNRESET" instead of the 431. Here the answer is followed by a normal close (FIN) while the rest of what the
 * client sends is read and dropped, for at most DRAIN_MS.
 */
export function answerMalformedRequests(server: Server): Server {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null }) => {
    // The parser reports each later chunk again: the first report answers, the rest are ignored.
    if (socket.writableEnded || socket.destroyed) return;
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // Node's own rule: answer unless a response on this socket has already sent its head (an interim
    // "100 Continue" is not one).
    if (!socket._httpMessage?.headersSent) {
      const status = STATUS_LINES[error.code ?? ''] ?? '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.end();
    }
    socket.on('error', () => undefined);
    socket.resume();
    setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  });
  return server;
}
