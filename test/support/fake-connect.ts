/** A tiny stand-in for the Kafka Connect REST API on 127.0.0.1 (random port), recording every request. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

export interface FakeConnect {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** `reply` decides each answer; by default GET /connectors → `[]` and PUT …/config → 201 with the body echoed. */
export async function startFakeConnect(reply?: (req: RecordedRequest) => Reply | undefined): Promise<FakeConnect> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer =
        reply?.(recorded) ??
        (recorded.method === 'GET' && recorded.url === '/connectors'
          ? { status: 200, body: '[]' }
          : recorded.method === 'PUT' && /^\/connectors\/[^/]+\/config$/.test(recorded.url)
            ? { status: 201, body: recorded.body }
            : { status: 404, body: '{"error_code":404,"message":"not found"}' });
      res.writeHead(answer.status, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
