// podman's run options that are translated before the engine sees them:
// --mount into -v/--tmpfs specs, --security-opt into the spec's seccomp,
// no-new-privileges and masked paths, --label-file, --secret.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError, type CreateOptions, type SecretRequest } from '../../engine/index.js';
import type { OciSeccomp } from '../../oci/index.js';
import { entryLines, keyValues, parseSize } from './options.js';

/** `--mount type=bind|volume|tmpfs,…` as the -v and --tmpfs specs they mean. */
export function mountSpecs(mounts: readonly string[]): { volumes: string[]; tmpfs: string[] } {
  const volumes: string[] = [];
  const tmpfs: string[] = [];
  for (const mount of mounts) {
    const fields = new Map<string, string>();
    for (const part of mount.split(',')) {
      const eq = part.indexOf('=');
      fields.set(eq < 0 ? part : part.slice(0, eq), eq < 0 ? 'true' : part.slice(eq + 1));
    }
    const bad = (why: string): EngineError => new EngineError('invalid-option', `--mount ${JSON.stringify(mount)}: ${why}`, { mount });
    const get = (...keys: string[]): string | undefined => keys.map((k) => fields.get(k)).find((v) => v !== undefined);
    const target = get('target', 'destination', 'dst');
    if (!target) throw bad('a target is needed');
    const readOnly = ['readonly', 'ro'].some((k) => fields.has(k) && fields.get(k) !== 'false');
    const propagation = get('bind-propagation');
    switch (fields.get('type')) {
      case 'bind': {
        const source = get('source', 'src');
        if (!source) throw bad('a bind needs a source');
        volumes.push(`${resolve(source)}:${target}:${[readOnly ? 'ro' : 'rw', ...(propagation ? [propagation] : [])].join(',')}`);
        break;
      }
      case 'volume': {
        const source = get('source', 'src');
        const options = [readOnly ? 'ro' : 'rw', ...(fields.get('volume-nocopy') === 'true' ? ['nocopy'] : []), ...(fields.has('U') || fields.get('chown') === 'true' ? ['U'] : [])];
        if (source) volumes.push(`${source}:${target}:${options.join(',')}`);
        else if (options.length === 1 && !readOnly) volumes.push(target);
        else throw bad('an anonymous volume takes no options here; name it (source=NAME) to give them');
        break;
      }
      case 'tmpfs': {
        const size = get('tmpfs-size');
        const mode = get('tmpfs-mode');
        tmpfs.push(`${target}:${[readOnly ? 'ro' : 'rw', 'noexec', 'nosuid', 'nodev', ...(size ? [`size=${parseSize(size)}`] : []), ...(mode ? [`mode=${mode}`] : [])].join(',')}`);
        break;
      }
      default:
        throw bad(`type ${JSON.stringify(fields.get('type') ?? '')} is not one Berth mounts: bind, volume or tmpfs`);
    }
  }
  return { volumes, tmpfs };
}

/** `--security-opt` as the create options it sets. */
export function securityOptions(opts: readonly string[]): Pick<CreateOptions, 'seccomp' | 'noNewPrivileges' | 'mask' | 'unmask'> {
  const out: Pick<CreateOptions, 'seccomp' | 'noNewPrivileges' | 'mask' | 'unmask'> = {};
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    const [key, value] = eq < 0 ? [opt, undefined] : [opt.slice(0, eq), opt.slice(eq + 1)];
    const bad = (why: string): EngineError => new EngineError('invalid-option', `invalid --security-opt ${JSON.stringify(opt)}: ${why}`, { securityOpt: opt });
    switch (key) {
      case 'no-new-privileges':
        if (value !== undefined && value !== 'true' && value !== 'false') throw bad('want true or false');
        out.noNewPrivileges = value !== 'false';
        break;
      case 'seccomp':
        if (!value) throw bad('want unconfined or a profile file');
        out.seccomp = value === 'unconfined' ? 'unconfined' : seccompProfile(value, bad);
        break;
      case 'mask':
      case 'unmask':
        if (!value) throw bad('want paths separated by colons');
        out[key] = [...(out[key] ?? []), ...value.split(':')];
        break;
      // This host has no SELinux; AppArmor confines only when a profile is named, and unconfined names none.
      case 'label':
        break;
      case 'apparmor':
        if (value !== 'unconfined') throw bad('Berth runs containers without an AppArmor profile: only apparmor=unconfined');
        break;
      default:
        throw bad('want seccomp=, no-new-privileges, mask=, unmask=, label= or apparmor=unconfined');
    }
  }
  return out;
}

/**
 * A seccomp profile file: OCI's LinuxSeccomp, or Docker's format where no
 * rule is conditional (its archMap becomes OCI's architectures). Rules that
 * apply only with some capability or kernel cannot be told apart here, and
 * dropping them would change the policy: such a profile is refused.
 */
function seccompProfile(file: string, bad: (why: string) => EngineError): OciSeccomp {
  let profile: Record<string, unknown>;
  try {
    profile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(`reading the profile: ${(err as Error).message}`);
  }
  const syscalls = profile['syscalls'] as Array<Record<string, unknown>> | undefined;
  if (typeof profile['defaultAction'] !== 'string' || (syscalls !== undefined && !Array.isArray(syscalls))) throw bad('a profile needs defaultAction and a syscalls list');
  if (syscalls?.some((rule) => rule['includes'] !== undefined || rule['excludes'] !== undefined)) throw bad('rules with includes or excludes (Docker\'s conditions) are not supported');
  const archMap = profile['archMap'] as Array<{ architecture: string; subArchitectures?: string[] }> | undefined;
  const architectures = (profile['architectures'] as string[] | undefined) ?? archMap?.flatMap((a) => [a.architecture, ...(a.subArchitectures ?? [])]);
  return {
    defaultAction: profile['defaultAction'],
    ...(architectures ? { architectures } : {}),
    syscalls: (syscalls ?? []).map((rule) => ({ ...rule, names: (rule['names'] as string[] | undefined) ?? (rule['name'] ? [rule['name'] as string] : []) })),
  } as OciSeccomp;
}

/** `--label-file` lines (KEY=VALUE; # comments) then `--label`s, later ones winning. */
export function labelsOf(files: readonly string[], labels: readonly string[]): Record<string, string> {
  return keyValues([...files.flatMap((file) => entryLines(file, 'label file')), ...labels]);
}

/**
 * podman's --secret: `NAME` or `source=NAME` with `type=mount|env`, `target=`, and for a mount
 * `uid=`, `gid=` and an octal `mode=`; refused as podman refuses them.
 */
export function secretRequest(text: string): SecretRequest {
  const bad = (why: string): EngineError => new EngineError('invalid-option', `${why}: parsing secret`, { secret: text });
  const request: SecretRequest = { source: '' };
  for (const [i, part] of text.split(',').entries()) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (i !== 0) throw bad(`option ${part} must be in form option=value`);
      request.source = part;
      continue;
    }
    const [key, value] = [part.slice(0, eq), part.slice(eq + 1)];
    switch (key) {
      case 'source': request.source = value; break;
      case 'type':
        if (value !== 'mount' && value !== 'env') throw bad(`type ${value} is invalid`);
        request.type = value;
        break;
      case 'target': request.target = value; break;
      case 'uid': case 'gid': {
        if (!/^\d+$/.test(value)) throw bad(`${key} ${value} invalid`);
        request[key] = Number(value);
        break;
      }
      case 'mode':
        if (!/^[0-7]{1,4}$/.test(value)) throw bad(`mode ${value} invalid`);
        request.mode = Number.parseInt(value, 8);
        break;
      default: throw bad(`option ${key} invalid`);
    }
  }
  if (request.source === '') throw bad('no source found');
  if (request.type === 'env' && (request.uid !== undefined || request.gid !== undefined || request.mode !== undefined)) {
    throw bad('UID, GID, Mode options cannot be set with secret type env');
  }
  return request;
}
