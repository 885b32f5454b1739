// registries.conf parsing and merging (main file, drop-ins, v1), the
// choice of [[registry]] table and pull sources, and the config errors
// containers/image reports.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  findRegistry, isImageError, loadRegistriesConfig, parseNormalizedReference, pullSources, pushTarget, referenceString, registriesConfigFiles,
} from '../../src/image/index.js';
import { makeTempDir, registriesConf } from './registry-fixture.js';

const ref = (text: string) => parseNormalizedReference(text);

describe('loadRegistriesConfig()', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  before(async () => { temp = await makeTempDir('berth-regconf-'); });
  after(async () => { await temp.dispose(); });

  it('merges drop-ins in lexical order: scalars replaced, registries replaced by prefix, an empty alias deletes', async () => {
    const main = join(temp.dir, 'registries.conf');
    const dropIns = join(temp.dir, 'registries.conf.d');
    await mkdir(dropIns, { recursive: true });
    await writeFile(main, `unqualified-search-registries = ["a.example"]
[aliases]
"one" = "a.example/one"
"two" = "a.example/two"
[[registry]]
location = "a.example"
insecure = true
[[registry]]
location = "b.example"
`);
    await writeFile(join(dropIns, '20-b.conf'), `short-name-mode = "enforcing"\n[aliases]\n"two" = ""\n[[registry]]\nlocation = "a.example"\nblocked = true\n`);
    await writeFile(join(dropIns, '10-a.conf'), `unqualified-search-registries = ["c.example", "d.example"]\n`);
    await writeFile(join(dropIns, 'ignored.txt'), 'not = "toml at all');
    const config = await loadRegistriesConfig({ main, dropInDirs: [dropIns, join(temp.dir, 'missing.d')] });
    assert.deepEqual(config.unqualifiedSearchRegistries, ['c.example', 'd.example']);
    assert.equal(config.shortNameMode, 'enforcing');
    assert.deepEqual(config.aliases, { one: 'a.example/one' });
    assert.deepEqual(config.registries.map((r) => [r.location, r.insecure, r.blocked]), [['a.example', false, true], ['b.example', false, false]]);
    assert.deepEqual(config.files, [main, join(dropIns, '10-a.conf'), join(dropIns, '20-b.conf')]);
  });

  it('a missing main file is an empty configuration', async () => {
    const config = await loadRegistriesConfig({ main: join(temp.dir, 'none.conf'), dropInDirs: [] });
    assert.deepEqual(config.registries, []);
    assert.equal(config.shortNameMode, 'permissive');
  });

  it('reads the v1 format and refuses it in a drop-in', async () => {
    const config = registriesConf(`[registries.search]\nregistries = ["r1.example"]\n[registries.insecure]\nregistries = ["r2.example:5000"]\n[registries.block]\nregistries = ["r3.example"]\n`);
    assert.deepEqual(config.unqualifiedSearchRegistries, ['r1.example']);
    assert.equal(findRegistry(config, ref('r2.example:5000/x'))?.insecure, true);
    assert.equal(findRegistry(config, ref('r3.example/x'))?.blocked, true);
    const dropIns = join(temp.dir, 'v1.d');
    await mkdir(dropIns);
    await writeFile(join(dropIns, 'x.conf'), '[registries.search]\nregistries = []\n');
    await assert.rejects(loadRegistriesConfig({ main: join(temp.dir, 'none.conf'), dropInDirs: [dropIns] }),
      (err) => isImageError(err, 'registries-conf-invalid') && /v2 format/.test(err.message));
  });

  for (const [what, text, message] of [
    ['a table with neither prefix nor location', '[[registry]]\ninsecure = true\n', /prefix or a location/],
    ['mirror-by-digest-only with pull-from-mirror', '[[registry]]\nlocation = "a.example"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "all"\n', /cannot be combined/],
    ['v1 and v2 keys mixed', 'unqualified-search-registries = ["x.example"]\n[registries.search]\nregistries = []\n', /mixing/],
    ['a bad short-name-mode', 'short-name-mode = "sometimes"\n', /short-name-mode/],
    ['a location with a scheme', '[[registry]]\nlocation = "https://a.example"\n', /URI schemes/],
    ['an alias with a tag', '[aliases]\n"x" = "quay.io/x:1"\n', /tag or digest/],
    ['an alias of a qualified name', '[aliases]\n"quay.io/x" = "quay.io/x"\n', /short name/],
    ['TOML syntax errors', 'unqualified-search-registries = [\n', /registries configuration/],
  ] as const) {
    it(`refuses ${what} with registries-conf-invalid`, () => {
      assert.throws(() => registriesConf(text), (err) => isImageError(err, 'registries-conf-invalid') && message.test(err.message));
    });
  }
});

describe('registriesConfigFiles()', () => {
  it('CONTAINERS_REGISTRIES_CONF replaces the main file; the user file wins over the system one', () => {
    const user = { env: { CONTAINERS_REGISTRIES_CONF: '/x/reg.conf' }, homeDir: '/home/u', uid: 1000 };
    assert.equal(registriesConfigFiles(user, true).main, '/x/reg.conf');
    assert.deepEqual(registriesConfigFiles({ ...user, env: {} }, true), {
      main: '/home/u/.config/containers/registries.conf', dropInDirs: ['/home/u/.config/containers/registries.conf.d'],
    });
    assert.equal(registriesConfigFiles({ ...user, env: {} }, false).main, '/etc/containers/registries.conf');
  });
});

describe('findRegistry() and pullSources()', () => {
  const config = registriesConf(`
[[registry]]
prefix = "example.com/foo"
location = "mirror-of-foo.example:5000/bar"
[[registry.mirror]]
location = "m1.example/x"
[[registry.mirror]]
location = "m2.example/y"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m3.example/z"
pull-from-mirror = "tag-only"
insecure = true
[[registry]]
prefix = "example.com"
location = "example.com"
[[registry]]
prefix = "*.wild.example"
insecure = true
`);
  const DIGEST = `sha256:${'a'.repeat(64)}`;

  it('the longest prefix that ends at / : @ or the end wins', () => {
    assert.equal(findRegistry(config, ref('example.com/foo/img:1'))?.prefix, 'example.com/foo');
    assert.equal(findRegistry(config, ref('example.com/foobar/img'))?.prefix, 'example.com');
    assert.equal(findRegistry(config, ref('other.example/img')), undefined);
  });

  it('a *.domain prefix matches subdomains at any depth', () => {
    assert.equal(findRegistry(config, ref('a.b.wild.example/img'))?.insecure, true);
    assert.equal(findRegistry(config, ref('wild.example/img')), undefined);
  });

  it('mirrors allowed for a tag, then the rewritten primary; the digest-only mirror only for digests', () => {
    assert.deepEqual(pullSources(config, ref('example.com/foo/img:1')).map((s) => [referenceString(s.reference), s.mirror, s.insecure]), [
      ['m1.example/x/img:1', true, false],
      ['m3.example/z/img:1', true, true],
      ['mirror-of-foo.example:5000/bar/img:1', false, false],
    ]);
    assert.deepEqual(pullSources(config, ref(`example.com/foo/img@${DIGEST}`)).map((s) => referenceString(s.reference)), [
      `m1.example/x/img@${DIGEST}`, `m2.example/y/img@${DIGEST}`, `mirror-of-foo.example:5000/bar/img@${DIGEST}`,
    ]);
  });

  it('pushes go to the primary location only', () => {
    assert.equal(referenceString(pushTarget(config, ref('example.com/foo/img:1')).reference), 'mirror-of-foo.example:5000/bar/img:1');
  });
});
