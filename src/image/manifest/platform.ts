// Choosing one image of an index for a platform (images-and-registries.md
// §5.4): the wanted os/architecture/variant, then older compatible variants,
// index order breaking ties.

import { ImageError } from '../errors.js';
import type { Descriptor, ImageIndex } from './manifest.js';

export interface PlatformChoice {
  os: string;
  architecture: string;
  variant?: string;
}

/** Node's names to Go's. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): PlatformChoice {
  const architecture = GO_ARCH[process.arch] ?? process.arch;
  return { os: process.platform === 'linux' ? 'linux' : process.platform, architecture, variant: architecture === 'arm64' ? 'v8' : undefined };
}

/** Variants that run where `variant` runs, best first. */
const COMPATIBLE_VARIANTS: Record<string, string[]> = {
  arm: ['v8', 'v7', 'v6', 'v5'],
  arm64: ['v8'],
};

export function choosePlatform(index: ImageIndex, wanted: PlatformChoice): Descriptor {
  const variants = candidateVariants(wanted);
  for (const variant of variants) {
    const found = index.manifests.find((entry) => {
      const p = entry.platform;
      return p !== undefined && p.os === wanted.os && p.architecture === wanted.architecture && (p.variant ?? '') === variant;
    });
    if (found) return found;
  }
  const text = `${wanted.os}/${wanted.architecture}${wanted.variant ? `/${wanted.variant}` : ''}`;
  const offered = index.manifests.map((e) => (e.platform ? `${e.platform.os}/${e.platform.architecture}${e.platform.variant ? `/${e.platform.variant}` : ''}` : '?'));
  throw new ImageError('no-matching-platform', `no image found in image index for architecture ${text} (offered: ${offered.join(', ') || 'none'})`, { wanted, offered });
}

function candidateVariants(wanted: PlatformChoice): string[] {
  const compatible = COMPATIBLE_VARIANTS[wanted.architecture] ?? [];
  if (wanted.variant) {
    const older = compatible.slice(Math.max(0, compatible.indexOf(wanted.variant)));
    return [...new Set([wanted.variant, ...older, ''])];
  }
  return ['', ...compatible];
}
