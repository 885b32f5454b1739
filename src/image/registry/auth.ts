// Authorization for one registry: the ping's challenge decides between no
// auth, Basic (credentials on every request) and Bearer (a token per scope
// set from the realm, cached until it expires, fetched again on a 401 that
// asks for a wider scope).

import { ImageError } from '../errors.js';
import type { Credentials } from '../registries/index.js';
import type { Challenge } from './challenge.js';
import { readBodyLimited, type HttpAgents } from './http.js';
import { ERROR_BODY_LIMIT, registryResponseError } from './registry-errors.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** The shortest lifetime a token is trusted for, as the distribution token spec says. */
const MIN_TOKEN_LIFETIME_S = 60;

export class RegistryAuth {
  readonly #agents: HttpAgents;
  readonly #credentials: Credentials | undefined;
  readonly #userAgent: string;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, Promise<CachedToken>>();

  constructor(agents: HttpAgents, credentials: Credentials | undefined, userAgent: string) {
    this.#agents = agents;
    this.#credentials = credentials;
    this.#userAgent = userAgent;
  }

  /** Records the challenge the ping answered with (the first Bearer or Basic one). */
  useChallenges(challenges: Challenge[]): void {
    this.#challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
  }

  /** The Authorization header value for a request needing `scopes`, if any. */
  async header(scopes: string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const creds = this.#credentials;
      if (!creds || creds.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const key = [...new Set(scopes)].sort().join(' ');
    const pending = this.#tokens.get(key);
    if (pending) {
      const cached = await pending.catch(() => undefined);
      if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    }
    // Concurrent requests for the same scopes (parallel layers) share one token request.
    const fetching = this.#fetchToken(challenge, [...new Set(scopes)], signal);
    this.#tokens.set(key, fetching);
    fetching.catch(() => {
      if (this.#tokens.get(key) === fetching) this.#tokens.delete(key);
    });
    return `Bearer ${(await fetching).token}`;
  }

  /**
   * After a 401 on an authorised request: drops the cached token and returns
   * the scopes to ask for next time (the ones the challenge names, added to
   * the request's), or undefined when asking again cannot help.
   */
  scopesAfterUnauthorized(scopes: string[], challenges: Challenge[]): string[] | undefined {
    if (this.#challenge?.scheme !== 'bearer') return undefined;
    this.#tokens.delete([...new Set(scopes)].sort().join(' '));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const extra = bearer?.params.scope?.split(' ').filter(Boolean) ?? [];
    return [...new Set([...scopes, ...extra])];
  }

  async #fetchToken(challenge: Challenge, scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new ImageError('unauthorized', 'the registry asked for a Bearer token but named no realm', { challenge });
    let url: URL;
    try {
      url = new URL(realm);
    } catch (err) {
      throw new ImageError('unauthorized', `the registry's token realm "${realm}" is not a URL`, { realm }, { cause: err });
    }
    const service = challenge.params.service;
    const creds = this.#credentials;
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    let body: Buffer | undefined;
    let method = 'GET';
    if (creds?.identityToken !== undefined) {
      // An identity (refresh) token is traded with a POSTed form, as containers/image does.
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'containers/image' });
      if (service) form.set('service', service);
      for (const scope of scopes) form.append('scope', scope);
      body = Buffer.from(form.toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (creds) {
        url.searchParams.set('account', creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
    }
    const res = await this.#agents.send({ method, url, headers, ...(body ? { body } : {}), ...(signal ? { signal } : {}) });
    if (res.status !== 200) {
      throw await registryResponseError(res, `getting a token from ${url.origin}${url.pathname} for ${scopes.join(' ') || 'the registry'}`, { scopes });
    }
    const raw = await readBodyLimited(res.body, ERROR_BODY_LIMIT, () => new ImageError('unauthorized', `token answer from ${url.origin} is larger than 1 MiB`));
    let answer: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      answer = JSON.parse(raw.toString('utf8')) as typeof answer;
    } catch (err) {
      throw new ImageError('unauthorized', `token answer from ${url.origin} is not JSON`, {}, { cause: err });
    }
    const token = typeof answer.token === 'string' && answer.token !== '' ? answer.token
      : typeof answer.access_token === 'string' ? answer.access_token : '';
    if (token === '') throw new ImageError('unauthorized', `token answer from ${url.origin} holds no token`);
    const lifetime = Math.max(typeof answer.expires_in === 'number' ? answer.expires_in : MIN_TOKEN_LIFETIME_S, MIN_TOKEN_LIFETIME_S);
    const issuedAt = typeof answer.issued_at === 'string' && !Number.isNaN(Date.parse(answer.issued_at)) ? Date.parse(answer.issued_at) : Date.now();
    // Clock skew between us and the token server must not make a fresh token look expired.
    const start = Math.min(issuedAt, Date.now());
    return { token, expiresAt: start + lifetime * 1000 - 5000 };
  }
}
