import { normaliseArrondissement } from '../../../domain/reference-data/normalise.js';
import { checkText } from '../shared/csv-fields.js';
import type { CsvColumn, CsvIssue } from '../shared/csv-reader.js';

/**
 * The elected officials CSV format (élus who may sponsor a candidate; public data, kept in clear).
 *
 * One header line, then one line per official; five columns in any order, in French or English:
 *
 * | column (fr)      | column (en)           | content                                                 |
 * |------------------|-----------------------|---------------------------------------------------------|
 * | `identifiant`    | `official_identifier` | required, unique within the file, at most 64 characters |
 * | `nom`            | `last_name`           | required, at most 200 characters                        |
 * | `prenoms`        | `first_names`         | may be empty, at most 200 characters                    |
 * | `mandat`         | `mandate`             | required, at most 200 characters ("conseiller de Paris") |
 * | `arrondissement` | `arrondissement`      | may be empty (a mandate without a district)             |
 *
 * Also accepted: `official_id`, `prenom`/`first_name`, `district`. Separator `;`, `,`, tab or `|`.
 *
 *   identifiant;nom;prenoms;mandat;arrondissement
 *   E-0042;Dati;Rachida;maire d'arrondissement;7
 */
export const OFFICIAL_COLUMNS = [
  { key: 'officialId', names: ['identifiant', 'official_identifier', 'official_id', 'identifiant_elu'], required: true },
  { key: 'lastName', names: ['nom', 'last_name', 'nom_de_famille', 'lastname'], required: true },
  { key: 'firstNames', names: ['prenoms', 'first_names', 'prenom', 'first_name', 'firstnames'], required: true },
  { key: 'mandate', names: ['mandat', 'mandate'], required: true },
  { key: 'arrondissement', names: ['arrondissement', 'district'], required: true },
] as const satisfies readonly CsvColumn[];

export const OFFICIAL_COLUMN = { officialId: 0, lastName: 1, firstNames: 2, mandate: 3, arrondissement: 4 } as const;

export interface OfficialRow {
  officialId: string;
  lastName: string;
  firstNames: string;
  mandate: string;
  arrondissement: string;
}

export function parseOfficialRow(values: readonly string[], line: number, issues: CsvIssue[]): OfficialRow | null {
  const [officialId = '', lastName = '', firstNames = '', mandate = '', arrondissement = ''] = values;
  let ok = true;
  if (officialId === '') {
    issues.push({ line, column: 'identifiant', message: 'empty official identifier' });
    ok = false;
  } else ok = checkText(officialId, line, 'identifiant', issues, { required: true, maxLength: 64 }) && ok;
  ok = checkText(lastName, line, 'nom', issues, { required: true, maxLength: 200 }) && ok;
  ok = checkText(firstNames, line, 'prenoms', issues, { required: false, maxLength: 200 }) && ok;
  ok = checkText(mandate, line, 'mandat', issues, { required: true, maxLength: 200 }) && ok;
  ok = checkText(arrondissement, line, 'arrondissement', issues, { required: false, maxLength: 50 }) && ok;
  if (!ok) return null;
  return { officialId, lastName, firstNames, mandate, arrondissement: arrondissement === '' ? '' : normaliseArrondissement(arrondissement) };
}
