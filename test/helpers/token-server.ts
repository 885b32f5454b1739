// A Bearer token server in the test process, the kind distribution's `token`
// auth trusts: it checks Basic credentials (if sent), grants actions per
// scope, and answers with an ES256 JWT whose header carries the issuer's
// certificate (`x5c`). Every request is recorded for assertions.
//
//   const tokens = await startTokenServer({ signing, users: { alice: 'pw' } });
//   const reg = await startRegistry({ dir, token: tokens.registryAuth });

import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { TokenSigningKey } from './test-pki.js';

export interface TokenRequest {
  method: string;
  /** `grant_type` of a POSTed form. */
  grantType?: string;
  account?: string;
  /** The user name of the Basic credentials sent, if any. */
  user?: string;
  scopes: string[];
  service?: string;
  status: number;
}

export interface TokenServerOptions {
  signing: TokenSigningKey;
  /** user → password; requests with other credentials get 401. */
  users: Record<string, string>;
  /** refresh (identity) token → user, for the OAuth2 POST form containers/image sends. */
  refreshTokens?: Record<string, string>;
  /** Actions granted to anonymous requests (default: pull). */
  anonymousActions?: string[];
  service?: string;
  issuer?: string;
}

export interface TokenServer {
  realm: string;
  /** What to put in the registry's `auth.token` config. */
  registryAuth: { realm: string; service: string; issuer: string; rootCertBundle: string };
  requests: TokenRequest[];
  stop(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(await readFile(options.signing.key));
  const service = options.service ?? 'berth-test-registry';
  const issuer = options.issuer ?? 'berth-test-issuer';
  const requests: TokenRequest[] = [];
  const server = createServer(async (req, res) => {
    // GET: the parameters in the query; POST: an OAuth2 form (grant_type=refresh_token).
    const params = req.method === 'POST' ? new URLSearchParams(await bodyText(req)) : new URL(req.url ?? '/', 'http://x').searchParams;
    const scopes = params.getAll('scope');
    let user = basicUser(req);
    const refreshed = params.get('grant_type') === 'refresh_token' ? options.refreshTokens?.[params.get('refresh_token') ?? ''] : undefined;
    const record: TokenRequest = {
      method: req.method ?? 'GET', scopes, status: 200,
      ...(params.get('grant_type') ? { grantType: params.get('grant_type') as string } : {}),
      ...(params.get('account') ? { account: params.get('account') as string } : {}),
      ...(params.get('service') ? { service: params.get('service') as string } : {}),
    };
    requests.push(record);
    if (params.get('grant_type') === 'refresh_token') {
      if (refreshed === undefined) {
        record.status = 401;
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      user = { name: refreshed, password: options.users[refreshed] ?? '' };
    }
    if (user) record.user = user.name;
    if (user && options.users[user.name] !== user.password) {
      record.status = 401;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'wrong credentials' }] }));
      return;
    }
    const access = scopes.map((scope) => grant(scope, user ? undefined : (options.anonymousActions ?? ['pull'])));
    const token = makeJwt(key, options.signing.certDerBase64, {
      iss: issuer, sub: user?.name ?? '', aud: service, access,
    });
    // The OAuth2 answer names the token access_token; the docker one, token.
    const answer = record.grantType ? { access_token: token } : { token };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...answer, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await listen(server);
  const realm = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
  return {
    realm,
    registryAuth: { realm, service, issuer, rootCertBundle: options.signing.cert },
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// `repository:name:pull,push` → the access claim; `allowed` limits the actions (anonymous).
function grant(scope: string, allowed: string[] | undefined): { type: string; name: string; actions: string[] } {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope.slice(last + 1).split(',').filter((a) => allowed === undefined || allowed.includes(a));
  return { type, name, actions };
}

function makeJwt(key: KeyObject, certDerBase64: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', x5c: [certDerBase64] };
  const payload = { ...claims, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID() };
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function basicUser(req: IncomingMessage): { name: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const text = Buffer.from(header.slice(6), 'base64').toString();
  const colon = text.indexOf(':');
  return { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function bodyText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
