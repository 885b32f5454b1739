// WWW-Authenticate challenges (`Bearer realm="…",service="…",scope="…"`,
// `Basic realm="…"`), possibly several in one header or over several headers.

export interface Challenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

const CHALLENGE_RE = /([A-Za-z][\w!#$%&'*+.^`|~-]*)((?:\s*,?\s*[\w-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^\s,"]*))*)/g;
const PARAM_RE = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))/g;

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const challenges: Challenge[] = [];
  for (const text of Array.isArray(header) ? header : [header]) {
    for (const match of text.matchAll(CHALLENGE_RE)) {
      const scheme = (match[1] as string).toLowerCase();
      const params: Record<string, string> = {};
      for (const p of (match[2] ?? '').matchAll(PARAM_RE)) {
        params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
      }
      challenges.push({ scheme, params });
    }
  }
  return challenges;
}
