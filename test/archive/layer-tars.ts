// Layer tars shared by the archive tests: one with every entry type and
// extension the apply path handles, plus a bulk tree of thousands of files.

import { CAP_NET_BIND_SERVICE, TarBuilder, type BuilderOptions } from '../helpers/tar-builder.js';

export const LONG_DIR = 'deep/' + 'd'.repeat(90) + '/' + 'e'.repeat(90);
export const BINARY_XATTR = Buffer.from([0x00, 0x80, 0xff, 0x00, 0xc3]);
export const BIG_UID = 3_000_000; // beyond 7 octal digits: needs a PAX uid record

/** Every entry type and header extension (no sparse files: tar-split cannot replay them, as in Go). */
export function everyTypeTar(options: BuilderOptions = {}): TarBuilder {
  return new TarBuilder(options)
    .dir('etc', { mode: 0o755, mtime: 1600000000 })
    .file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n', { mode: 0o644, mtime: 1600000001 })
    .file('etc/shadow', 'root:*:19000::::::\n', { mode: 0o600, gid: 42 })
    .dir('usr/bin', { mode: 0o755 })
    .file('usr/bin/ping', { size: 3000, seed: 9 }, { mode: 0o4755, xattrs: { 'security.capability': CAP_NET_BIND_SERVICE } })
    .file('usr/bin/tool', 'bin', { mode: 0o2755, uid: BIG_UID, gid: 1000, uname: 'somebody', gname: 'users' })
    .file('usr/bin/bin-xattr', 'x', { xattrs: { 'user.bin': BINARY_XATTR, 'trusted.t': 'tv' } })
    .symlink('usr/bin/sh', '/bin/busybox')
    .symlink('usr/bin/rel', '../../etc/passwd', { uid: 5, gid: 6 })
    .hardlink('usr/bin/passwd-hard', 'etc/passwd', { mtime: 1600000001 })
    .dir(LONG_DIR)
    .file(`${LONG_DIR}/long-pax-name-${'x'.repeat(120)}`, 'pax long name\n')
    .file(`${LONG_DIR}/long-gnu-name-${'y'.repeat(120)}`, 'gnu long name\n', { gnuLongNames: true })
    .symlink(`${LONG_DIR}/long-link`, '/target/' + 'a'.repeat(150))
    .hardlink(`${LONG_DIR}/long-hard`, `${LONG_DIR}/long-pax-name-${'x'.repeat(120)}`)
    .file(`ünïcödé/ファイル`, 'utf-8 names\n')
    .file('a<b>&c', 'html-escaped in JSON\n')
    .dir('dev')
    .charDevice('dev/null', 1, 3)
    .blockDevice('dev/loop9', 7, 9)
    .fifo('dev/fifo')
    .file('empty', '')
    .file('big/one-mib', { size: 1 << 20, seed: 3 })
    .file('big/odd-size', { size: 70001, seed: 4 })
    .file('var/.wh.cache', '', { uid: 777, gid: 778 })
    .dir('opaque-dir')
    .opaque('opaque-dir')
    .file('opaque-dir/new', 'new\n')
    .tree('bulk', { dirs: 40, filesPerDir: 60, maxSmall: 3000, largeFiles: 2, largeSize: 300_000 });
}
