// The addon's prefault part: once heap() is called, the heap pages V8 commits
// are resident whole from the start (populated in one call each), where
// without it they fill in one page fault at a time. Each case runs in a node
// process of its own: heap() changes that process for its whole life.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ADDON = join(import.meta.dirname, '..', '..', '..', 'native', 'build', 'Release', 'berth.node');

interface HeapPages {
  watched: boolean | null;
  /** V8's 256 KiB heap pages (private anonymous read-write mappings of that size). */
  pages: number;
  /** Those not wholly resident. */
  partial: number;
}

/** A node process that (with `prefault`) calls heap(), grows its heap by ~20 MB of live objects, and reports its heap pages. */
function heapPagesAfterGrowth(prefault: boolean): HeapPages {
  const script = `
    const addon = { exports: {} };
    process.dlopen(addon, ${JSON.stringify(ADDON)});
    const watched = ${prefault} ? addon.exports.prefault.heap() : null;
    const live = [];
    for (let i = 0; i < 200000; i++) live.push({ i, text: 'x' + i });
    let page;
    const pages = [];
    for (const line of require('node:fs').readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
      const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\\S+) \\S+ \\S+ (\\d+)\\s*(\\S*)$/.exec(line);
      if (mapping) {
        const heapPage = parseInt(mapping[2], 16) - parseInt(mapping[1], 16) === 262144 && mapping[3] === 'rw-p' && mapping[4] === '0' && !mapping[5];
        page = heapPage ? { rss: 0 } : undefined;
        if (page) pages.push(page);
        continue;
      }
      const rss = /^Rss:\\s+(\\d+) kB/.exec(line);
      if (rss && page) page.rss = Number(rss[1]);
    }
    console.log(JSON.stringify({ watched, pages: pages.length, partial: pages.filter((p) => p.rss < 256).length, live: live.length }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as HeapPages;
}

describe('prefault.heap', () => {
  it('makes every heap page V8 commits resident whole, where they otherwise fill in page by page', () => {
    const plain = heapPagesAfterGrowth(false);
    const prefaulted = heapPagesAfterGrowth(true);
    assert.equal(prefaulted.watched, true, "node's mprotect slot was not found");
    assert.ok(prefaulted.pages > 50, `the heap grew to ${prefaulted.pages} pages`);
    // Without it, the pages being filled and the young generation's are partly resident (~85 of ~180 here).
    assert.ok(plain.partial > plain.pages / 5, `without prefault: ${plain.partial} of ${plain.pages} pages partly resident`);
    assert.ok(prefaulted.partial <= 2, `with prefault: ${prefaulted.partial} of ${prefaulted.pages} pages partly resident`);
  });
});
