// A fault-injecting HTTP proxy in front of a plain-HTTP registry, in the test
// process. Requests pass through unchanged (Host kept, so the registry's
// Location headers point back at the proxy) unless a rule matches; every
// request is logged with its Range header and the status the client saw.
//
//   const proxy = await startFaultProxy(registry.url);
//   proxy.addFault({ path: /\/blobs\/sha256:/, fault: { kind: 'reset', afterBytes: 1000 }, times: 1 });
//   ... pull from proxy.host; assert on proxy.log

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export type Fault =
  /** Every byte passes but the first one is flipped (digest mismatch, right size). */
  | { kind: 'corrupt' }
  /** Chunked answer that ends cleanly after `afterBytes` (a truncated body). */
  | { kind: 'truncate'; afterBytes: number }
  /** Announces the full length, sends `afterBytes`, then resets the TCP connection. */
  | { kind: 'reset'; afterBytes: number }
  /** Announces the full length, sends `afterBytes`, then sends nothing more (the connection stays open). */
  | { kind: 'stall'; afterBytes: number }
  /** Answers `status` (with Retry-After when given) without asking the registry. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Answers 200 with these bytes and content type. */
  | { kind: 'replace'; body: Buffer; contentType: string }
  /** Answers 307 to the same path with a changed query, forever. */
  | { kind: 'redirect-loop' }
  /** Answers 307 to the same path and query on another origin (object storage). */
  | { kind: 'redirect'; origin: string };

export interface FaultRule {
  method?: string;
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  range?: string;
  authorization: boolean;
  /** The fault applied, or `pass`. */
  action: string;
  status: number;
}

export interface FaultProxy {
  /** `127.0.0.1:<port>`. */
  host: string;
  log: ProxyLogEntry[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: Array<FaultRule & { used: number }> = [];
  const log: ProxyLogEntry[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => (r.method === undefined || r.method === req.method) && r.path.test(path) && (r.times === undefined || r.used < r.times));
    const entry: ProxyLogEntry = {
      method: req.method ?? 'GET', path, authorization: req.headers.authorization !== undefined,
      action: rule ? rule.fault.kind : 'pass', status: 0,
      ...(req.headers.range ? { range: req.headers.range } : {}),
    };
    log.push(entry);
    if (rule) rule.used++;
    const fault = rule?.fault;
    if (fault?.kind === 'status') {
      entry.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      res.end(JSON.stringify({ errors: [{ code: fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN', message: `injected ${fault.status}` }] }));
      req.resume();
      return;
    }
    if (fault?.kind === 'replace') {
      entry.status = 200;
      res.writeHead(200, { 'content-type': fault.contentType, 'content-length': String(fault.body.length) }).end(fault.body);
      req.resume();
      return;
    }
    if (fault?.kind === 'redirect') {
      entry.status = 307;
      res.writeHead(307, { location: new URL(path, fault.origin).href }).end();
      req.resume();
      return;
    }
    if (fault?.kind === 'redirect-loop') {
      entry.status = 307;
      const n = Number(new URL(path, 'http://x').searchParams.get('loop') ?? 0) + 1;
      const next = new URL(path, 'http://x');
      next.searchParams.set('loop', String(n));
      res.writeHead(307, { location: next.pathname + next.search }).end();
      req.resume();
      return;
    }
    forward(req, res, target, fault, entry);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    log,
    addFault: (rule) => { rules.push({ ...rule, used: 0 }); },
    clearFaults: () => { rules.length = 0; },
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL, fault: Fault | undefined, entry: ProxyLogEntry): void {
  const upstream = httpRequest({
    host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
  }, (answer) => {
    entry.status = answer.statusCode ?? 0;
    const headers = { ...answer.headers };
    if (fault?.kind === 'truncate') delete headers['content-length'];
    res.writeHead(answer.statusCode ?? 502, headers);
    let sent = 0;
    let stopped = false;
    answer.on('data', (chunk: Buffer) => {
      if (stopped) return;
      let data = chunk;
      if (fault?.kind === 'corrupt' && sent === 0 && data.length > 0) {
        data = Buffer.from(data);
        data[0] = (data[0] as number) ^ 0xff;
      }
      if ((fault?.kind === 'truncate' || fault?.kind === 'reset' || fault?.kind === 'stall') && sent + data.length >= fault.afterBytes) {
        const kind = fault.kind;
        const head = data.subarray(0, fault.afterBytes - sent);
        sent = fault.afterBytes;
        stopped = true;
        answer.destroy();
        // The bytes reach the client before the end or the reset, so the fault is mid-blob.
        res.write(head, () => {
          if (kind === 'truncate') res.end();
          else if (kind === 'reset') res.socket?.resetAndDestroy();
        });
        return;
      }
      sent += data.length;
      res.write(data);
    });
    answer.on('end', () => res.end());
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
