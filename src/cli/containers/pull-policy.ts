// podman's `--pull` for run and create: the image comes from the store, or is
// pulled first through the same registry path as `berth pull` (registry
// flags, registries.conf short names), as the policy says.

import type { ContainerEngine } from '../../engine/index.js';
import { EngineError, isEngineError } from '../../engine/index.js';
import type { RegistryCliFlags } from '../image/registry.js';

const POLICIES = ['always', 'missing', 'never', 'newer'] as const;

/**
 * The image name to create the container from: `image` itself when the store
 * has it (or the policy forbids pulling), else the name the pulled image got.
 * `newer` pulls like `always`: a pull of an unchanged image fetches only its
 * manifest and config, and reuses every layer.
 */
/**
 * podman's run --rmi, once the container is gone: the image it ran removed (by
 * the name it was run by, as rmi removes it: a name of several only untagged),
 * unless another container still uses it, which keeps it quietly.
 */
export async function removeImageAfterRun(engine: ContainerEngine, image: string): Promise<void> {
  const [{ isImageError }, { serveOn }] = await Promise.all([import('../../image/index.js'), import('../image/server.js')]);
  try {
    await serveOn(engine.store, (server) => server.removeImage(image));
  } catch (err) {
    if (!isImageError(err, 'image-used')) throw err;
  }
}

export async function imageForRun(engine: ContainerEngine, image: string, flags: RegistryCliFlags & { pull?: string; quiet?: boolean; signaturePolicy?: string; platform?: string; os?: string; arch?: string; variant?: string }): Promise<string> {
  const policy = flags.pull ?? 'missing';
  if (!(POLICIES as readonly string[]).includes(policy)) {
    throw new EngineError('invalid-option', `--pull ${policy}: want one of ${POLICIES.join(', ')}`, { pull: policy });
  }
  if (policy === 'never') return image;
  if (policy === 'missing') {
    try {
      await engine.findImage(image);
      return image;
    } catch (err) {
      if (!isEngineError(err, 'image-unknown')) throw err;
    }
  }
  const [{ ImageError, isImageError }, { platformOf, serveOn }, { progressListener }, { cliSignaturePolicy }] = await Promise.all([
    import('../../image/index.js'), import('../image/server.js'), import('../image/progress-view.js'), import('../image/signature-policy.js'),
  ]);
  const signaturePolicy = await cliSignaturePolicy(flags);
  try {
    const pulled = await serveOn(engine.store, (server) => server.pullImage(image, { policy: signaturePolicy, platform: platformOf(flags), onEvent: progressListener(flags.quiet ? 'quiet' : 'auto') }), flags);
    return pulled.name;
  } catch (err) {
    if (!isImageError(err)) throw err;
    const why = policy === 'missing' ? `image "${image}" is not in the store, and pulling it failed` : `pulling image "${image}"`;
    throw new ImageError(err.code, `${why}: ${err.message}`, { ...err.detail, image }, { cause: err });
  }
}
