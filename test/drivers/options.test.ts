// Driver option strings and mount option words, parsed as the Go drivers parse them.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOverlayOptions, parseVfsOptions } from '../../src/storage/drivers/options.js';
import { parseMountOptions } from '../../src/storage/drivers/mount-syscalls.js';
import { isDriverError } from '../../src/storage/drivers/index.js';

test('overlay options accept the overlay., overlay2. and . prefixes, any case, and trim around =', () => {
  assert.deepEqual(parseOverlayOptions(['overlay.mountopt=nodev,noatime', 'Overlay2.Skip_Mount_Home = true', '.ignore_chown_errors=1']), {
    mountOptions: 'nodev,noatime', skipMountHome: true, ignoreChownErrors: true, imageStores: [],
  });
  assert.deepEqual(parseOverlayOptions(['mountopt=', 'override_kernel_check=true', 'overlay.mount_program=']), {
    mountOptions: '', skipMountHome: false, ignoreChownErrors: false, imageStores: [],
  });
});

test('an option without = is refused with Go\'s parse error', () => {
  assert.throws(() => parseOverlayOptions(['nodev']), (err) => isDriverError(err, 'invalid-option') && err.message === 'unable to parse key/value option: nodev');
});

test('vfs options: ignore_chown_errors only; mount options and foreign keys refused', () => {
  assert.deepEqual(parseVfsOptions(['vfs.ignore_chown_errors=true']), { ignoreChownErrors: true, imageStores: [] });
  assert.throws(() => parseVfsOptions(['vfs.mountopt=nodev']), (err) => isDriverError(err, 'invalid-option'));
  assert.throws(() => parseVfsOptions(['size=1G']), (err) => isDriverError(err, 'unknown-option') && err.message === 'vfs driver does not support size options');
});

test('additional image stores: imagestore, additionalimagestore (overlay), .imagestore (vfs); comma lists of existing absolute dirs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ais-option-'));
  try {
    const other = join(dir, 'b');
    mkdirSync(other);
    assert.deepEqual(parseOverlayOptions([`overlay.imagestore=${dir}`, `.additionalimagestore=${other}`]).imageStores, [dir, other]);
    assert.deepEqual(parseVfsOptions([`vfs.imagestore=${dir},${other}`]).imageStores, [dir, other]);
    assert.deepEqual(parseVfsOptions([`.imagestore=${dir}`]).imageStores, [dir]);
    assert.throws(() => parseOverlayOptions([`imagestore=${join(dir, 'missing')}`]), (err) => isDriverError(err, 'invalid-option') && /can't stat imageStore dir/.test(err.message));
    assert.throws(() => parseVfsOptions(['vfs.imagestore=relative/store']), (err) => isDriverError(err, 'invalid-option'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mount option words become MS_* flags and the rest stays fs data, in order', () => {
  assert.deepEqual(parseMountOptions('lowerdir=/a:/b,upperdir=/u,workdir=/w,nodev,nosuid,volatile'), {
    flags: 0x4 | 0x2, data: 'lowerdir=/a:/b,upperdir=/u,workdir=/w,volatile',
  });
  assert.deepEqual(parseMountOptions('ro,rw,,metacopy=on'), { flags: 0, data: 'metacopy=on' });
});
