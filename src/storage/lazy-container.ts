// Container records loaded from containers.json, decoded as far as they are
// used. A record written the way Go writes it (its keys in Go's order, each
// once, in lower case) is read with one regular expression that finds where
// it ends and what the store always needs: the ID and names for its index,
// the big-data names for the listing. The rest is parsed the first time any
// other field is read or set. Any other record is decoded whole.
//
// What this changes: a field of the wrong type is reported when that field
// is first used (the same load-error, naming the file and the field), not
// when the file is read.

import { decodeContainer, parseRecordObject } from './record-json.js';
import { forEachArrayElement, JSON_STRING, jsonObjectPattern, objectEnd } from './record-split.js';
import type { Container, IDMap } from './types.js';

/** A list of strings without escapes: split on `","` it gives back the strings. */
const PLAIN_STRINGS = '"[^"\\\\]*"(?:,"[^"\\\\]*")*';
/**
 * A whole record as Go writes it: its keys in Go's order, each once, all
 * lower case. Captures the ID, the names and the big-data names. Made at
 * first use: every CLI start loads this module, few read a large file.
 */
let goRecord: RegExp | undefined;

function goRecordPattern(): RegExp {
  if (goRecord) return goRecord;
  const flatObject = jsonObjectPattern(0);
  const idMaps = `\\[(?:${flatObject}(?:,${flatObject})*)?\\]`;
  goRecord = new RegExp(
    `\\{"id":"([^"\\\\]*)"(?:,"names":\\[(${PLAIN_STRINGS})?\\])?,"image":${JSON_STRING},"layer":${JSON_STRING}` +
      `(?:,"metadata":${JSON_STRING})?(?:,"big-data-names":\\[(${PLAIN_STRINGS})?\\])?` +
      `(?:,"big-data-sizes":${flatObject})?(?:,"big-data-digests":${flatObject})?,"created":${JSON_STRING}` +
      `(?:,"uidmap":${idMaps})?(?:,"gidmap":${idMaps})?(?:,"flags":${jsonObjectPattern(3)})?\\}`,
    'y',
  );
  return goRecord;
}

/**
 * The records of containers.json's text, in file order, or undefined when
 * the text is not a JSON array of objects in a shape this reader knows (the
 * caller then parses it whole).
 */
export function decodeContainerFile(text: string, path: string): Container[] | undefined {
  const records: Container[] = [];
  const record = goRecordPattern();
  const whole = forEachArrayElement(text, (start) => {
    record.lastIndex = start;
    const match = record.exec(text);
    if (match) {
      records.push(new LazyContainer(match[1]!, plainStrings(match[2]), plainStrings(match[3]), text, start, record.lastIndex, path));
      return record.lastIndex;
    }
    const end = objectEnd(text, start);
    if (end >= 0) records.push(decodeContainerAt(text, start, end, path));
    return end;
  });
  return whole ? records : undefined;
}

/** The record text[start, end), decoded whole. */
function decodeContainerAt(text: string, start: number, end: number, path: string): Container {
  return decodeContainer(parseRecordObject(text.slice(start, end), path), path);
}

function plainStrings(list: string | undefined): string[] {
  if (list === undefined) return [];
  // One name is the common case: no split.
  return list.indexOf('","') < 0 ? [list.slice(1, -1)] : list.slice(1, -1).split('","');
}

/** Its source is kept as fields of its own, not as an object: 10,000 records make 10,000 fewer objects. */
class LazyContainer implements Container {
  readonly #text: string;
  readonly #start: number;
  readonly #end: number;
  readonly #path: string;
  #rest: Container | undefined;

  constructor(public id: string, public names: string[], public bigDataNames: string[], text: string, start: number, end: number, path: string) {
    this.#text = text;
    this.#start = start;
    this.#end = end;
    this.#path = path;
  }

  /** The record parsed whole; its ID, names and big-data names are ignored (these may have changed since). */
  #decoded(): Container {
    this.#rest ??= decodeContainerAt(this.#text, this.#start, this.#end, this.#path);
    return this.#rest;
  }

  get imageId(): string {
    return this.#decoded().imageId;
  }
  set imageId(value: string) {
    this.#decoded().imageId = value;
  }
  get layerId(): string {
    return this.#decoded().layerId;
  }
  set layerId(value: string) {
    this.#decoded().layerId = value;
  }
  get metadata(): string | undefined {
    return this.#decoded().metadata;
  }
  set metadata(value: string | undefined) {
    this.#decoded().metadata = value;
  }
  get bigDataSizes(): Record<string, number> {
    return this.#decoded().bigDataSizes;
  }
  set bigDataSizes(value: Record<string, number>) {
    this.#decoded().bigDataSizes = value;
  }
  get bigDataDigests(): Record<string, string> {
    return this.#decoded().bigDataDigests;
  }
  set bigDataDigests(value: Record<string, string>) {
    this.#decoded().bigDataDigests = value;
  }
  get created(): string {
    return this.#decoded().created;
  }
  set created(value: string) {
    this.#decoded().created = value;
  }
  get uidMap(): IDMap[] | undefined {
    return this.#decoded().uidMap;
  }
  set uidMap(value: IDMap[] | undefined) {
    this.#decoded().uidMap = value;
  }
  get gidMap(): IDMap[] | undefined {
    return this.#decoded().gidMap;
  }
  set gidMap(value: IDMap[] | undefined) {
    this.#decoded().gidMap = value;
  }
  get flags(): Record<string, unknown> | undefined {
    return this.#decoded().flags;
  }
  set flags(value: Record<string, unknown> | undefined) {
    this.#decoded().flags = value;
  }
}
