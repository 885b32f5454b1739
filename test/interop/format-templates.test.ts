// --format with Go templates through the shipped executable, as users type
// them, against podman's output for the same templates on the same store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSYBOX_IMAGE } from '../engine/engine-fixture.js';
import { berthAndPodmanOnOneStore } from './shared-store.js';

describe('--format templates (bin/berth.cjs, podman alongside)', () => {
  const { berth, ok, podmanOk } = berthAndPodmanOnOneStore();

  it('images --format prints what podman prints for the same templates', async () => {
    await ok('tag', 'busybox', 'localhost/other/name:v1');
    for (const format of [
      '{{.Repository}}:{{.Tag}}',
      // Not .Created ("3 seconds ago"): the two commands may run on either side of a second.
      '{{.ID}} {{.Size}} {{.Digest}} {{.CreatedAt}} {{.VirtualSize}} {{.Containers}}',
      '{{json .Names}} {{.Names}} {{.Labels}} {{.Dangling}} {{.History}}',
      'table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Size}}',
      'table {{.Repository}} {{.Tag}}',
      '{{if eq .Tag "v1"}}tagged {{.Repository}}{{else}}{{upper .Tag}}{{end}}',
    ]) {
      assert.equal(await ok('images', '--format', format), await podmanOk('images', '--format', format), format);
    }
    // A bare `table` is the default listing (podman 4.3 prints the word); the default is podman's, columns and all.
    // The age's width moves the columns after it ("1 second ago", "12 seconds ago"): each pair is taken again
    // until both sides were printed at ages of one width, then compared whole, padding included.
    const ageText = /\d+ seconds? ago|Less than a second ago/g;
    const ago = (text: string): string => text.replace(ageText, 'N seconds ago');
    const widths = (text: string): string => (text.match(ageText) ?? []).map((age) => age.length).join(',');
    const samePair = async (left: () => Promise<string>, right: () => Promise<string>): Promise<[string, string]> => {
      let pair: [string, string] = ['', ''];
      for (let tries = 0; tries < 5; tries++) {
        pair = [await left(), await right()];
        if (widths(pair[0]) === widths(pair[1])) break;
      }
      return pair;
    };
    const [bareTable, listing] = await samePair(() => ok('images', '--format', 'table'), () => ok('images'));
    assert.equal(ago(bareTable), ago(listing));
    const [mine, theirs] = await samePair(() => ok('images'), () => podmanOk('images'));
    assert.equal(ago(mine), ago(theirs));
  });

  it('inspect -f and image inspect --format print what podman prints for an image', async () => {
    for (const format of [
      '{{.Id}} {{.ID}} {{.RepoTags}} {{.Size}} {{.Created}}',
      '{{.Architecture}}/{{.Os}} {{.Labels}} {{json .RepoDigests}} {{.RootFS.Layers}} {{len .History}}',
      '{{.Config.Cmd}} {{.Config.Labels}} {{.Config.Env}} {{.Config.WorkingDir}}|{{json .Config.Cmd}}',
      '{{range .RepoTags}}[{{.}}]{{end}}',
    ]) {
      const expected = await podmanOk('image', 'inspect', '--format', format, BUSYBOX_IMAGE);
      assert.equal(await ok('inspect', '-f', format, 'busybox'), expected, format);
      assert.equal(await ok('image', 'inspect', '--format', format, 'busybox'), expected, format);
    }
  });

  it('ps --format, inspect -f of a container, history --format', async () => {
    const id = (await ok('run', '-d', '--name', 'fmt', '-l', 'tier=web', '-v', '/tmp:/host:ro', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done')).trim();
    assert.equal(await ok('ps', '--format', '{{.ID}} {{.Names}} {{.State}} {{.Labels}} {{json .Labels}} {{.Labels.tier}}'), `${id.slice(0, 12)} fmt running map[tier:web] {"tier":"web"} web\n`);
    assert.equal(await ok('ps', '--no-trunc', '--format', '{{.ID}}'), `${id}\n`);
    const table = await ok('ps', '--format', 'table {{.ID}} {{.Names}} {{.Status}}');
    assert.match(table, new RegExp(`^CONTAINER ID  NAMES       STATUS\\n${id.slice(0, 12)}  fmt         Up .+\\n$`));
    // The two listings may be a second apart, and a column as wide as its widest time.
    const up = (text: string): string => text.replace(/\d+ seconds?( ago)?|Less than a second( ago)?/g, 'N').replace(/ {2,}/g, '  ');
    assert.equal(up(await ok('ps', '--format', 'table')), up(await ok('ps')));
    const pid = Number(await ok('inspect', '-f', '{{.State.Pid}}', 'fmt'));
    assert.ok(pid > 0);
    assert.equal(await ok('inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Labels}} {{.HostConfig.NetworkMode}} {{.HostConfig.Binds}}', 'fmt'),
      'running true fmt map[tier:web] none [/tmp:/host:ro]\n');
    assert.equal(await ok('inspect', '-f', '{{range .Mounts}}{{.Source}} {{.Destination}} {{.RW}}{{end}}', 'fmt'), '/tmp /host false\n');
    assert.match(await ok('stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}}', 'fmt'), /^fmt [1-9]\d* \d+\.\d\d% [\d.]+ [kMG]?B \/ [\d.]+ [kMGT]?B \d+\.\d\d%\n$/);
    assert.match(await ok('stats', '--no-stream', '--format', 'table {{.Name}} {{.MemUsage}}', 'fmt'), /^NAME {8}MEM USAGE \/ LIMIT\nfmt {9}\S/);
    for (const args of [[], ['--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}'], ['--format', 'table {{.ID}} {{.CreatedBy}}']]) {
      assert.equal(await ok('history', ...args, 'busybox'), await podmanOk('history', ...args, BUSYBOX_IMAGE), args.join(' '));
    }
    await ok('rm', '-f', '-t', '0', 'fmt');
  });

  it('a bad template is an error naming it, with exit code 125 as podman\'s', async () => {
    for (const args of [['inspect', '-f', '{{.Nope}}', 'busybox'], ['images', '--format', '{{if .ID}}x'], ['ps', '-a', '--format', '{{nope .ID}}']]) {
      await ok('create', '--name', 'listed', 'busybox');
      const result = await berth(...args);
      assert.equal(result.code, 125, args.join(' '));
      assert.match(result.stderr.toString(), /^Error: template: \w+:\d+:\d+: /, args.join(' '));
      assert.equal(result.stdout.toString(), '');
      await ok('rm', 'listed');
    }
  });
});
