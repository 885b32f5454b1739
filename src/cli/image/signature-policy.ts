// The signature policy a pull or push enforces, found as podman finds it:
// `--signature-policy FILE`, else $HOME/.config/containers/policy.json when
// it exists, else /etc/containers/policy.json (a missing file is an error,
// as in containers/image, not a licence to accept anything).

import { homedir } from 'node:os';
import { loadPolicy, type Policy } from '../../image/signature/index.js';

export function cliSignaturePolicy(flags: { signaturePolicy?: string }): Promise<Policy> {
  return loadPolicy({ override: flags.signaturePolicy, homeDir: process.env.HOME || homedir() });
}
