// podman's `secret` verbs: create, ls, inspect, rm, on podman's own files
// under the store's graph root. The secrets code and the templates load only
// when one of them runs; a secret's data is never printed.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContainerEngine } from '../../engine/index.js';
import type { Secret, SecretStore } from '../../secret/index.js';
import { EngineError } from '../../engine/index.js';
import { timeAgo } from '../image/format.js';
import type { EngineAction } from './context.js';
import { collect, keyValues, parseFilters, passesFilters } from './options.js';
import { removeEach } from './remove-each.js';

export function registerSecretVerbs(program: Command, act: EngineAction, setExit: (code: number) => void): void {
  const secret = program.command('secret').description('manage secrets (create, ls, inspect, rm)');

  secret.command('create').description('create a secret from a file, stdin (-) or, with --env, a variable of the caller\'s').argument('<name>').argument('<source>')
    .option('-d, --driver <driver>', 'secret driver (only file)', 'file')
    .option('--driver-opts <option>', 'a driver option (key=value)', collect, [])
    .option('--env', 'the source names an environment variable whose value is the secret')
    .option('-l, --label <label>', 'set a label (key=value)', collect, [])
    .action(act(async (engine, name: string, source: string, opts: { driver: string; driverOpts: string[]; env?: boolean; label: string[] }) => {
      const created = await (await secretStore(engine)).create({
        name, data: secretData(source, opts.env === true), driver: opts.driver, driverOptions: keyValues(opts.driverOpts), labels: keyValues(opts.label),
      });
      process.stdout.write(`${created.id}\n`);
    }));

  secret.command('ls').alias('list').description('list secrets')
    .option('-q, --quiet', 'print the IDs only')
    .option('--noheading', 'no header line')
    .option('--format <format>', 'json, or a Go template (`{{.Name}}`)')
    .option('-f, --filter <filter>', 'name=, id=', collect, [])
    .action(act(async (engine, opts: { quiet?: boolean; noheading?: boolean; format?: string; filter: string[] }) => {
      const filters = parseFilters(opts.filter);
      const secrets = (await (await secretStore(engine)).list()).filter((s) => passesFilters(s, filters, {
        name: (candidate, value) => candidate.name.includes(value),
        id: (candidate, value) => candidate.id.startsWith(value),
      }, 'secrets'));
      if (opts.quiet) process.stdout.write(secrets.map((s) => `${s.id}\n`).join(''));
      else if (opts.format === 'json') process.stdout.write(`${JSON.stringify(secrets.map(secretDocument), null, 4)}\n`);
      else process.stdout.write(await listing(opts.format ?? LS_TABLE, secrets, opts.noheading === true));
    }));

  secret.command('inspect').description('show secrets\' details (never their data)').argument('<names...>')
    .option('-f, --format <format>', 'json (default), or a Go template (`{{.Spec.Name}}`)')
    .action(act(async (engine, names: string[], opts: { format?: string }) => {
      const store = await secretStore(engine);
      const secrets = [];
      for (const name of names) secrets.push(await store.get(name));
      if (opts.format && opts.format !== 'json') process.stdout.write(await listing(opts.format, secrets, false));
      else process.stdout.write(`${JSON.stringify(secrets.map(secretDocument), null, 4)}\n`);
    }));

  secret.command('rm').alias('remove').description('remove secrets').argument('[names...]')
    .option('-a, --all', 'every secret')
    .action(act(async (engine, names: string[], opts: { all?: boolean }) => {
      const store = await secretStore(engine);
      if (!opts.all && names.length === 0) throw new EngineError('invalid-option', 'must supply at least one secret name or use --all', {});
      if (opts.all && names.length > 0) throw new EngineError('invalid-option', 'cannot supply a secret name when using --all', {});
      return removeEach(opts.all ? (await store.list()).map((s) => s.id) : names, (name) => store.remove(name), { 'secret-unknown': 125 });
    }));

  secret.action(() => {
    secret.outputHelp();
    setExit(125);
  });
}

/** podman's default `secret ls` columns. */
const LS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}';

async function secretStore(engine: ContainerEngine): Promise<SecretStore> {
  const { SecretStore } = await import('../../secret/index.js');
  return new SecretStore(engine.store.graphRoot);
}

/** The secret's bytes: the source file's, stdin's (`-`), or with `fromEnv` the caller's variable of that name. */
function secretData(source: string, fromEnv: boolean): Buffer {
  if (fromEnv) {
    const value = process.env[source];
    if (value === undefined) throw new EngineError('invalid-option', `cannot create store secret data: environment variable ${source} is not set`, { env: source });
    return Buffer.from(value);
  }
  try {
    return readFileSync(source === '-' ? 0 : source);
  } catch (err) {
    throw new EngineError('invalid-option', `reading the secret from ${source === '-' ? 'stdin' : source}: ${(err as Error).message}`, { source }, { cause: err });
  }
}

/** podman secret inspect's fields (its UpdatedAt is its CreatedAt: a secret is never changed). */
function secretDocument(secret: Secret): Record<string, unknown> {
  return {
    ID: secret.id,
    CreatedAt: secret.createdAt,
    UpdatedAt: secret.createdAt,
    Spec: { Name: secret.name, Driver: { Name: secret.driver, Options: secret.driverOptions }, Labels: secret.labels },
  };
}

/** `format` over the secrets: inspect's fields, and for ls's table the names and times as podman prints them. */
async function listing(format: string, secrets: Secret[], noHeading: boolean): Promise<string> {
  const { documentTemplateData, renderReport } = await import('../template/index.js');
  const now = Date.now();
  const rows = secrets.map((s) => documentTemplateData({ ...secretDocument(s), Name: s.name, Driver: s.driver, CreatedAt: timeAgo(s.createdAt, now), UpdatedAt: timeAgo(s.createdAt, now) }));
  return renderReport(format, rows, { name: 'secret', headers: { CreatedAt: 'CREATED', UpdatedAt: 'UPDATED' }, defaultTable: LS_TABLE, noHeading });
}
