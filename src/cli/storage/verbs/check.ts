// check and repair (containers/storage v1.50's `check`; Berth adds `repair` as
// `check --repair`): print the problems found, exit 1 when there are any or when
// repairing failed.

import { isStorageError, type CheckOptions, type CheckReport, type Store } from '../../../storage/index.js';
import { errorText } from '../error-text.js';
import { flagBool, flagString, type FlagSpec } from '../flags.js';
import { parseGoDuration } from '../../../util/index.js';
import type { Output } from '../output.js';
import { JSON_FLAG, type Verb, type VerbContext } from '../verb.js';

const CHECK_FLAGS: readonly FlagSpec[] = [
  JSON_FLAG,
  { names: ['max', 'm'], kind: 'string', help: 'Maximum allowed age for unreferenced layers (default 24h)' },
  { names: ['repair', 'r'], kind: 'bool', help: 'Remove damaged images and layers' },
  { names: ['force', 'f'], kind: 'bool', help: 'Remove damaged containers' },
  { names: ['quick', 'q'], kind: 'bool', help: 'Perform only quick checks' },
];

export const check: Verb = { optionsHelp: '[options [...]]', flags: CHECK_FLAGS, minArgs: 0, maxArgs: 0, run: (context) => runCheck(context, false) };
export const repair: Verb = { optionsHelp: '[options [...]]', flags: CHECK_FLAGS, minArgs: 0, maxArgs: 0, run: (context) => runCheck(context, true) };

const SECTIONS: ReadonlyArray<[keyof CheckReport, string, string]> = [
  ['layers', 'layer', 'Layers'],
  ['rolayers', 'read-only layer', 'ROLayers'],
  ['images', 'image', 'Images'],
  ['roImages', 'read-only image', 'ROImages'],
  ['containers', 'container', 'Containers'],
];

async function runCheck({ store, flags, out }: VerbContext, repairVerb: boolean): Promise<number> {
  const force = flagBool(flags, 'force');
  const repairing = repairVerb || force || flagBool(flags, 'repair');
  try {
    const report = await checkStore(store, checkOptions(flagBool(flags, 'quick'), flagString(flags, 'max')), out);
    if (flagBool(flags, 'json')) out.json(reportJson(report));
    else out.out(reportText(report));
    const counts = SECTIONS.map(([key]) => Object.keys(report[key]).length);
    const [layers, roLayers, images, roImages, containers] = counts as [number, number, number, number, number];
    if (!repairing) {
      if (counts.some((count) => count > 0)) {
        out.err(`${layers} layer errors, ${roLayers} read-only layer errors, ${images} image errors, ${roImages} read-only image errors, ${containers} container errors\n`);
        return 1;
      }
      return 0;
    }
    const errors = await store.repair(report, { removeContainers: force });
    if (errors.length) {
      if (flagBool(flags, 'json')) out.json(errors.map((err) => err.message));
      else out.err(errors.map((err) => `${err.message}\n`).join(''));
      return 1;
    }
    if (roLayers > 0 || roImages > 0 || (!force && containers > 0)) {
      out.err(force
        ? `${roLayers} read-only layer errors, ${roImages} read-only image errors\n`
        : `${roLayers} read-only layer errors, ${roImages} read-only image errors, ${containers} container errors\n`);
      return 1;
    }
    return 0;
  } finally {
    // Go's check ends with Shutdown(true): checking mounts layers, and none stays mounted.
    await store.shutdown({ force: true }).catch((err: unknown) => out.err(`shutdown: ${errorText(err)}\n`));
  }
}

// A store that cannot compare layer contents still runs every other check; the
// reader is told which one was left out.
async function checkStore(store: Store, options: CheckOptions, out: Output): Promise<CheckReport> {
  try {
    return await store.check(options);
  } catch (err) {
    if (!options.layerContents || !isStorageError(err, 'not-supported')) throw err;
    out.err(`${err.message}; running the other checks\n`);
    return store.check({ ...options, layerContents: false });
  }
}

// The Go CLI checks everything unless --quick (CheckMost: no content comparison).
function checkOptions(quick: boolean, maxAge: string): CheckOptions {
  const options: CheckOptions = {
    layerDigests: true, layerMountable: true, layerContents: !quick, layerData: true, imageData: true, containerData: true,
  };
  if (maxAge) options.layerUnreferencedMaximumAge = parseGoDuration(maxAge);
  return options;
}

function reportText(report: CheckReport): string {
  let text = '';
  for (const [key, label] of SECTIONS) {
    for (const [id, errors] of Object.entries(report[key])) {
      if (errors.length) text += `${label} ${id}:\n`;
      for (const err of errors) text += ` ${err.message}\n`;
    }
  }
  return text;
}

// Go would encode each error as `{}`; Berth gives the messages, which is what a reader needs.
function reportJson(report: CheckReport): Record<string, Record<string, string[]>> {
  const json: Record<string, Record<string, string[]>> = {};
  for (const [key, , goName] of SECTIONS) {
    json[goName] = Object.fromEntries(Object.entries(report[key]).map(([id, errors]) => [id, errors.map((err) => err.message)]));
  }
  return json;
}

