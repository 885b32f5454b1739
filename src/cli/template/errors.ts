// A template that does not parse or cannot run on its data: podman exits 125
// with Go's message, which names the template and where.

import { BerthError } from '../../util/index.js';

export class TemplateError extends BerthError<'invalid-template'> {
  /** `where`: `line:column` in the template. */
  constructor(template: string, where: string, message: string) {
    super('invalid-template', `template: ${template}:${where}: ${message}`, { template, where });
  }
}
