// The image verbs through the shipped executable: pull from a layout, list,
// tag, untag, inspect, history, tree, exists, save/load, push, import, rmi
// and prune, each checked against the store afterwards.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Store } from '../../src/storage/index.js';
import { berthOn, berthOnOk, withTestStore } from '../helpers/berth.js';
import { writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import type { ToolResult } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { threeLayerImage } from '../image/helpers.js';

describe('berth image verbs', () => {
  let temp: TempStore;
  let image: OciImage;
  let layout: string;
  let id: string;
  const berth = (...args: string[]): Promise<ToolResult> => berthOn(temp, args);
  const ok = (...args: string[]): Promise<string> => berthOnOk(temp, args);
  const withStore = <T>(fn: (store: Store) => Promise<T>): Promise<T> => withTestStore(temp, fn);

  before(async () => {
    temp = await makeTempStore('berth-cli-images-');
    image = threeLayerImage();
    layout = join(temp.dir, 'layout');
    await writeOciLayout(layout, image, 'v1');
    id = image.configDigest.slice(7);
  });

  after(async () => {
    await temp?.dispose();
  });

  it('pull copies an OCI layout into the store, prints the image ID and names it localhost/<path>', async () => {
    const out = await ok('pull', '-q', `oci:${layout}:v1`);
    assert.equal(out, `${id}\n`);
    const stored = await withStore((s) => s.image(id));
    assert.deepEqual(stored.names, [`localhost${layout.toLowerCase()}:latest`]);
    assert.equal(stored.digest, image.manifestDigest);
  });

  it('pull --progress json prints one JSON event per line on stderr', async () => {
    const result = await berth('pull', '--progress', 'json', `oci:${layout}:v1`);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    assert.equal(events.filter((e) => e.type === 'blob-skipped').length, 3);
    assert.equal(events.at(-1)?.type, 'done');
  });

  it('pull of a missing image fails with exit 125 and an error naming it', async () => {
    const result = await berth('pull', `oci:${layout}:nope`);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /^Error: .*"nope"/);
  });

  it('tag adds names normalised as podman does (localhost/ for a name without a registry); images lists them; -q, --digests, --format json and --filter agree', async () => {
    await ok('tag', id.slice(0, 12), 'example/app:1', 'localhost/app:2', 'docker.io/example/app:1');
    const names = await withStore(async (s) => (await s.image(id)).names);
    assert.deepEqual(names.slice(0, 3).sort(), ['docker.io/example/app:1', 'localhost/app:2', 'localhost/example/app:1']);
    const tableOut = await ok('images');
    assert.match(tableOut, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    assert.match(tableOut, new RegExp(`^localhost/example/app\\s+1\\s+${id.slice(0, 12)}\\s`, 'm'));
    assert.equal(await ok('images', '-q'), `${id.slice(0, 12)}\n`);
    assert.match(await ok('images', '--digests'), new RegExp(image.manifestDigest));
    const json = JSON.parse(await ok('images', '--format', 'json')) as Array<{ Id: string; RepoTags: string[]; Digest: string }>;
    assert.equal(json[0]?.Id, id);
    assert.equal(json[0]?.Digest, image.manifestDigest);
    assert.equal(await ok('images', '-q', '--filter', 'reference=localhost/app'), `${id.slice(0, 12)}\n`);
    assert.equal(await ok('images', '-q', '--filter', 'reference=nothing/here'), '');
    assert.equal(await ok('images', '-q', '--filter', 'dangling=true'), '');
  });

  it('inspect, history and image tree describe the image from its config and layers', async () => {
    const [inspected] = JSON.parse(await ok('image', 'inspect', 'localhost/app:2')) as Array<{ Id: string; RootFS: { Layers: string[] }; Config: { Cmd: string[] } }>;
    assert.equal(inspected?.Id, id);
    assert.deepEqual(inspected?.RootFS.Layers, image.diffIds);
    const history = await ok('history', 'localhost/app:2');
    assert.equal(history.trim().split('\n').length, 4);
    assert.match(history, new RegExp(`^${id.slice(0, 12)} `, 'm'));
    const tree = await ok('image', 'tree', 'localhost/app:2');
    assert.match(tree, /Image Layers\n├── ID: [0-9a-f]{12} .*\n├── .*\n└── .*Top Layer of: \[/);
  });

  it('images --sort and --noheading; rmi -i passes by an image that is not there; history --human=false', async () => {
    const repositories = (await ok('images', '--format', '{{.Repository}}')).trim().split('\n');
    assert.equal(await ok('images', '--sort', 'repository', '--format', '{{.Repository}}'), `${[...repositories].sort().join('\n')}\n`);
    const tags = (await ok('images', '--sort', 'tag', '--format', '{{.Tag}}')).trim().split('\n');
    assert.deepEqual(tags, [...tags].sort());
    const bare = await ok('images', '--noheading');
    assert.doesNotMatch(bare, /REPOSITORY/);
    assert.equal(bare.trim().split('\n').length, repositories.length);
    assert.equal((await berth('rmi', 'localhost/absent:1')).code, 125);
    assert.equal(await ok('rmi', '-i', 'localhost/absent:1'), '');
    // history --human=false: times rather than durations, as podman prints them.
    assert.match(await ok('history', '--human=false', '--format', '{{.Created}}', 'localhost/app:2'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
    assert.match(await ok('history', '--format', '{{.Created}}', 'localhost/app:2'), / ago\n/);
  });

  it('image exists exits 0 for a present image and 1 for an absent one', async () => {
    assert.equal((await berth('image', 'exists', 'localhost/app:2')).code, 0);
    assert.equal((await berth('image', 'exists', 'localhost/absent:1')).code, 1);
  });

  it('untag removes one name; rmi by a name of a multi-named image only untags it; rmi by ID refuses without -f', async () => {
    await ok('untag', id, 'example/app:1', 'docker.io/example/app:1');
    const left = await withStore(async (s) => (await s.image(id)).names);
    assert.ok(!left.includes('localhost/example/app:1') && !left.includes('docker.io/example/app:1'), left.join(' '));
    const unknownTag = await berth('untag', id, 'example/app:1');
    assert.equal(unknownTag.code, 125);
    assert.match(unknownTag.stderr, /^Error: localhost\/example\/app:1: tag not known$/m);
    assert.match(await ok('rmi', 'localhost/app:2'), /^Untagged: localhost\/app:2$/m);
    assert.ok(await withStore((s) => s.exists(id)));
    await ok('tag', id, 'localhost/app:3');
    const refused = await berth('rmi', id);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /multiple names/);
    assert.ok(await withStore((s) => s.exists(id)));
  });

  it('save writes a docker archive that load brings back under its name, after rmi -f removed everything', async () => {
    const archive = join(temp.dir, 'saved.tar');
    await ok('save', '-q', '-o', archive, 'localhost/app:3');
    await ok('rmi', '-f', id);
    assert.deepEqual(await withStore((s) => s.layers()), []);
    assert.equal(await ok('load', '-q', '-i', archive), 'Loaded image: localhost/app:3\n');
    const back = await withStore((s) => s.image('localhost/app:3'));
    assert.equal(back.id, id);
  });

  it('push copies an image to an OCI layout with its tag', async () => {
    const target = join(temp.dir, 'pushed');
    await ok('push', '-q', 'localhost/app:3', `oci:${target}:pushed`);
    const index = JSON.parse(await readFile(join(target, 'index.json'), 'utf8')) as { manifests: Array<{ annotations: Record<string, string> }> };
    assert.equal(index.manifests[0]?.annotations['org.opencontainers.image.ref.name'], 'pushed');
  });

  it('import makes a one-layer image from a gzip rootfs tarball with --change applied to its config', async () => {
    const tarball = join(temp.dir, 'rootfs.tar.gz');
    await writeFile(tarball, gzipSync(new TarBuilder().dir('etc').file('etc/hello', 'hi\n').toBuffer()));
    const out = await ok('import', '-q', '--change', 'CMD=["/bin/sh","-c","cat /etc/hello"]', '--change', 'ENV=A=b', '--change', 'WORKDIR /etc', tarball, 'localhost/imported:1');
    const importedId = out.trim();
    const config = JSON.parse((await withStore((s) => s.imageBigData(importedId, `sha256:${importedId}`))).toString()) as { config: { Cmd: string[]; Env: string[]; WorkingDir: string }; rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.config.Cmd, ['/bin/sh', '-c', 'cat /etc/hello']);
    assert.deepEqual(config.config.Env, ['A=b']);
    assert.equal(config.config.WorkingDir, '/etc');
    const stored = await withStore((s) => s.image('localhost/imported:1'));
    assert.equal(stored.topLayer, config.rootfs.diff_ids[0]?.slice(7));
  });

  it('image prune removes images without names and keeps named ones; --filter until= and label= choose among them', async () => {
    await ok('untag', 'localhost/imported:1');
    const importedId = (await withStore((s) => s.images())).find((i) => i.names.length === 0)?.id as string;
    assert.equal(await ok('images', '-q', '--filter', 'dangling=true'), `${importedId.slice(0, 12)}\n`);
    assert.equal(await ok('image', 'prune', '--filter', 'until=2000-01-01T00:00:00Z'), '', 'made after that: kept');
    assert.equal(await ok('image', 'prune', '--filter', 'label=no.such'), '', 'no such label: kept');
    assert.equal((await berth('image', 'prune', '--filter', 'colour=red')).code, 125);
    assert.equal(await ok('image', 'prune', '--filter', 'until=0s'), `${importedId}\n`);
    assert.equal(await withStore((s) => s.exists(importedId)), false);
    assert.ok(await withStore((s) => s.exists(id)));
  });
});
