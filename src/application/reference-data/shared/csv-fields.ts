import type { CsvIssue } from './csv-reader.js';

/** Field checks shared by the reference-data formats; each pushes an issue and returns false on failure. */

// Control characters have no place in a name or an address (and would bloat the events' JSON).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkText(
  value: string,
  line: number,
  column: string,
  issues: CsvIssue[],
  options: { required: boolean; maxLength: number },
): boolean {
  if (value === '') {
    if (!options.required) return true;
    issues.push({ line, column, message: `empty ${column}` });
    return false;
  }
  if (value.length > options.maxLength) {
    issues.push({ line, column, message: `${column} is longer than ${options.maxLength} characters` });
    return false;
  }
  if (CONTROL.test(value)) {
    issues.push({ line, column, message: `${column} holds a control character (tab, line break…)` });
    return false;
  }
  return true;
}
