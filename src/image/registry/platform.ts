// Choosing one image of an index for a platform, as containers/image does:
// the wanted variant, then older compatible variants, then an entry without a
// variant; index order breaks ties.

import { ImageError } from '../errors.js';
import type { IndexEntry, ParsedIndex } from './manifest.js';

export interface Platform {
  os: string;
  /** Go names: amd64, arm64, arm, 386, ppc64le, s390x, riscv64. */
  architecture: string;
  variant?: string;
}

const NODE_TO_GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le' };

/** The platform this process runs on, in Go's names. */
export function hostPlatform(): Platform {
  const architecture = NODE_TO_GO_ARCH[process.arch] ?? process.arch;
  const platform: Platform = { os: process.platform === 'win32' ? 'windows' : process.platform, architecture };
  if (architecture === 'arm64') platform.variant = 'v8';
  if (architecture === 'arm') {
    const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
    platform.variant = `v${typeof armVersion === 'string' && armVersion !== 'default' ? armVersion : '7'}`;
  }
  return platform;
}

// Variants an image may have and still run on the wanted one, best first.
const COMPATIBLE_VARIANTS: Record<string, string[]> = {
  arm: ['v8', 'v7', 'v6', 'v5'],
  arm64: ['v8'],
};

/** The entry of `index` for `wanted`; throws no-matching-platform listing what the index offers. */
export function chooseIndexEntry(index: ParsedIndex, wanted: Platform): IndexEntry {
  for (const variant of variantCandidates(wanted)) {
    const found = index.manifests.find((m) => m.platform !== undefined && m.platform.os === wanted.os
      && m.platform.architecture === wanted.architecture && (m.platform.variant ?? '') === variant);
    if (found) return found;
  }
  const offered = index.manifests.map((m) => m.platform
    ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') : '(no platform)');
  const wantedText = [wanted.os, wanted.architecture, wanted.variant].filter(Boolean).join('/');
  throw new ImageError('no-matching-platform', `no image found in manifest list for platform ${wantedText} (the list has ${offered.join(', ') || 'nothing'})`, {
    wanted: wantedText, offered,
  });
}

function variantCandidates(wanted: Platform): string[] {
  const compatible = COMPATIBLE_VARIANTS[wanted.architecture] ?? [];
  if (wanted.variant === undefined || wanted.variant === '') return ['', ...compatible];
  const at = compatible.indexOf(wanted.variant);
  return [...(at >= 0 ? compatible.slice(at) : [wanted.variant]), ''];
}
