// `berth login` / `berth logout`: credentials checked against the registry
// (as podman does, before anything is written) and kept in the auth file
// podman uses (${XDG_RUNTIME_DIR}/containers/auth.json, else
// /run/containers/<uid>/auth.json; --authfile or REGISTRY_AUTH_FILE instead).

import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import {
  authFiles, findCredentials, ImageError, isImageError, loginAuthFile, removeAllCredentials, removeCredentials, saveCredentials, type Credentials,
} from '../../../image/index.js';
import { readAll } from '../../../util/index.js';
import { loadCliRegistryContext, registryClientFor, userEnvironment, type RegistryCliFlags } from '../registry.js';

export interface LoginFlags extends Pick<RegistryCliFlags, 'tlsVerify' | 'authfile' | 'certDir'> {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  getLogin?: boolean;
}

export async function login(registry: string | undefined, flags: LoginFlags, stdin: NodeJS.ReadStream = process.stdin): Promise<void> {
  const user = userEnvironment(process.env);
  const context = await loadCliRegistryContext(flags);
  const key = authKeyOf(registry ?? firstSearchRegistry(context.registries.unqualifiedSearchRegistries));
  const host = key.split('/', 1)[0] as string;
  const files = authFiles(user, flags.authfile);
  if (flags.getLogin) {
    const found = await findCredentials(key, { files });
    if (!found?.username) throw new ImageError('unauthorized', `not logged into ${key}`, { registry: key });
    process.stdout.write(`${found.username}\n`);
    return;
  }
  if (flags.password !== undefined && flags.passwordStdin) throw new ImageError('invalid-option', 'cannot use --password and --password-stdin together', {});
  const credentials = await credentialsToTry(key, files, flags, stdin);
  const client = await registryClientFor(context, host, flags.tlsVerify, credentials);
  try {
    await client.checkLogin();
  } catch (err) {
    if (isImageError(err, 'unauthorized')) throw new ImageError('unauthorized', `logging into "${key}": invalid username/password`, { registry: key }, { cause: err });
    throw err;
  } finally {
    client.close();
  }
  if (credentials.username !== undefined && credentials.password !== undefined) {
    await saveCredentials(loginAuthFile(user, flags.authfile), key, credentials.username, credentials.password);
  }
  process.stdout.write('Login Succeeded!\n');
}

export async function logout(registry: string | undefined, flags: { all?: boolean; authfile?: string }): Promise<void> {
  const file = loginAuthFile(userEnvironment(process.env), flags.authfile);
  if (flags.all) {
    await removeAllCredentials(file);
    process.stdout.write('Removed login credentials for all registries\n');
    return;
  }
  if (!registry) throw new ImageError('invalid-option', 'berth logout needs a registry, or --all', {});
  const key = authKeyOf(registry);
  if (!(await removeCredentials(file, key))) throw new ImageError('unauthorized', `not logged into ${key}`, { registry: key, authFile: file });
  process.stdout.write(`Removed login credentials for ${key}\n`);
}

/** `host[:port][/namespace…]`, as auth.json keys are written (a scheme and trailing slash dropped). */
function authKeyOf(registry: string): string {
  const key = registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!key || /[@]|:[^/]*\//.test(key.replace(/^[^/]*/, ''))) throw new ImageError('invalid-reference', `"${registry}" is not a registry (host[:port][/namespace])`, { registry });
  return key;
}

function firstSearchRegistry(registries: string[]): string {
  const first = registries[0];
  if (!first) throw new ImageError('invalid-option', 'no registry given, and registries.conf has no unqualified-search-registries', {});
  return first;
}

/** The flags' user and password; what is missing is read from stdin (--password-stdin) or asked on a terminal; else the stored ones. */
async function credentialsToTry(key: string, files: ReturnType<typeof authFiles>, flags: LoginFlags, stdin: NodeJS.ReadStream): Promise<Credentials> {
  let password = flags.password;
  if (flags.passwordStdin) {
    password = (await readAll(stdin)).toString('utf8').replace(/\r?\n$/, '');
  }
  let username = flags.username;
  if (username === undefined && password === undefined) {
    const stored = await findCredentials(key, { files });
    if (stored) return stored;
  }
  if (username === undefined || password === undefined) {
    if (!stdin.isTTY || flags.passwordStdin) throw new ImageError('invalid-option', `logging into "${key}" needs --username and --password (or --password-stdin) without a terminal`, { registry: key });
    username ??= await ask('Username: ', false);
    password ??= await ask('Password: ', true);
  }
  return { username, password };
}

function ask(question: string, secret: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (secret) process.stderr.write('\n');
      resolve(answer);
    });
    muted = secret;
  });
}
