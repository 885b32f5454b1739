// Every `berth storage` verb through bin/berth.cjs on vfs (see every-verb.ts).

import { it } from 'node:test';
import { assertEveryVerbRan, describeEveryVerb } from './every-verb.js';

describeEveryVerb('vfs');

it('every verb of berth storage ran through bin/berth.cjs on vfs', () => assertEveryVerbRan('vfs'));
