// Go text/template for the CLI's --format, with podman's functions and its
// `table` listings.

export { parseTemplate } from './parse.js';
export { executeTemplate, ColumnHeaders, GoTime, DEFAULT_FUNCTIONS, type TemplateFunction } from './execute.js';
export { goPrint, goPrintf } from './print.js';
export { renderReport, isTemplateFormat, type ReportOptions } from './report.js';
export { TemplateError } from './errors.js';
export { documentTemplateData } from './document.js';
