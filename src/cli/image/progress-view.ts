// Copy progress as podman shows it: on a terminal one bar per blob, redrawn
// in place; otherwise one line per finished step; `--progress json` one JSON
// event per line for programs; `--quiet` nothing.

import type { CopyEvent } from '../../image/index.js';
import { humanSize } from './format.js';

export type ProgressMode = 'auto' | 'json' | 'quiet';

export function progressListener(mode: ProgressMode, out: NodeJS.WriteStream = process.stderr): ((event: CopyEvent) => void) | undefined {
  if (mode === 'quiet') return undefined;
  if (mode === 'json') return (event) => out.write(`${JSON.stringify(event)}\n`);
  return out.isTTY ? terminalBars(out) : plainLines(out);
}

function plainLines(out: NodeJS.WriteStream): (event: CopyEvent) => void {
  let started = false;
  return (event) => {
    if (!started && (event.type === 'blob-start' || event.type === 'blob-skipped')) {
      out.write('Getting image source signatures\n');
      started = true;
    }
    const hex = 'digest' in event ? event.digest.slice(7, 19) : '';
    if (event.type === 'blob-skipped') out.write(`Copying blob ${hex} skipped: already exists\n`);
    else if (event.type === 'blob-done') out.write(`Copying ${event.kind === 'config' ? 'config' : 'blob'} ${hex} done\n`);
    else if (event.type === 'writing-manifest') out.write('Writing manifest to image destination\n');
    else if (event.type === 'creating-signature') out.write(`Creating signature: ${event.message}\n`);
    else if (event.type === 'done') out.write('Storing signatures\n');
  };
}

interface Bar {
  label: string;
  bytes: number;
  size: number;
  state: 'copying' | 'done' | 'skipped';
  started: number;
}

function terminalBars(out: NodeJS.WriteStream): (event: CopyEvent) => void {
  const bars = new Map<string, Bar>();
  let drawnLines = 0;
  let lastDraw = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    if (drawnLines > 0) out.write(`\x1b[${drawnLines}A`);
    const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 60));
    for (const bar of bars.values()) {
      let line: string;
      if (bar.state === 'skipped') line = `${bar.label} skipped: already exists`;
      else if (bar.state === 'done') line = `${bar.label} done`;
      else {
        const fraction = bar.size > 0 ? Math.min(1, bar.bytes / bar.size) : 0;
        const filled = Math.round(fraction * width);
        const rate = bar.bytes / Math.max(0.001, (now - bar.started) / 1000);
        line = `${bar.label} [${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${'-'.repeat(width - filled)}] ${humanSize(bar.bytes)} / ${bar.size >= 0 ? humanSize(bar.size) : '?'} | ${humanSize(rate)}/s`;
      }
      out.write(`\x1b[2K${line}\n`);
    }
    drawnLines = bars.size;
  };
  out.write('Getting image source signatures\n');
  return (event) => {
    switch (event.type) {
      case 'blob-start':
        bars.set(event.digest, { label: `Copying ${event.kind === 'config' ? 'config' : 'blob'} ${event.digest.slice(7, 19)}`, bytes: 0, size: event.size, state: 'copying', started: Date.now() });
        draw(true);
        break;
      case 'blob-skipped':
        bars.set(event.digest, { label: `Copying blob ${event.digest.slice(7, 19)}`, bytes: 0, size: event.size, state: 'skipped', started: Date.now() });
        draw(true);
        break;
      case 'blob-progress': {
        const bar = bars.get(event.digest);
        if (bar) bar.bytes = event.bytes;
        draw(false);
        break;
      }
      case 'blob-done': {
        const bar = bars.get(event.digest);
        if (bar) bar.state = 'done';
        draw(true);
        break;
      }
      case 'writing-manifest':
        out.write('Writing manifest to image destination\n');
        drawnLines = 0;
        break;
      case 'creating-signature':
        out.write(`Creating signature: ${event.message}\n`);
        break;
      case 'done':
        out.write('Storing signatures\n');
        drawnLines = 0;
        break;
      default:
        break;
    }
  };
}
