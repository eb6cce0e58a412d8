import { normaliseArrondissement, parseBirthDate } from '../../../domain/reference-data/normalise.js';
import { checkText } from '../shared/csv-fields.js';
import type { CsvColumn, CsvIssue } from '../shared/csv-reader.js';

/**
 * The electoral roll CSV format.
 *
 * One header line, then one line per voter. Seven columns, in any order, named in French or in
 * English (case, accents, spaces and hyphens in header names do not matter):
 *
 * | column (fr)      | column (en)       | content                                              |
 * |------------------|-------------------|------------------------------------------------------|
 * | `nom`            | `last_name`       | required, at most 200 characters                     |
 * | `prenoms`        | `first_names`     | may be empty, at most 200 characters                 |
 * | `date_naissance` | `birth_date`      | required, `YYYY-MM-DD` or `DD/MM/YYYY`               |
 * | `adresse`        | `address`         | may be empty, at most 500 characters                 |
 * | `arrondissement` | `arrondissement`  | required ("1", "01", "1er" are the same district)    |
 * | `bureau`         | `polling_station` | required, at most 50 characters                      |
 * | `identifiant`    | `roll_identifier` | required, unique within the file, at most 64 chars   |
 *
 * Also accepted: `prenom`/`first_name`, `date_de_naissance`/`date_of_birth`, `district`,
 * `bureau_de_vote`, `numero_electeur`. Separator `;`, `,`, tab or `|`; UTF-8; quotes as in RFC 4180.
 *
 *   nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant
 *   Kosciusko-Morizet;Nathalie;1973-05-14;12 rue de Rivoli;4;4-02;75104000123
 */
export const ROLL_COLUMNS = [
  { key: 'lastName', names: ['nom', 'last_name', 'nom_de_famille', 'lastname'], required: true },
  { key: 'firstNames', names: ['prenoms', 'first_names', 'prenom', 'first_name', 'firstnames'], required: true },
  { key: 'birthDate', names: ['date_naissance', 'birth_date', 'date_de_naissance', 'date_of_birth', 'birthdate'], required: true },
  { key: 'address', names: ['adresse', 'address'], required: true },
  { key: 'arrondissement', names: ['arrondissement', 'district'], required: true },
  { key: 'pollingStation', names: ['bureau', 'polling_station', 'bureau_de_vote', 'bureau_vote'], required: true },
  { key: 'rollIdentifier', names: ['identifiant', 'roll_identifier', 'identifiant_electeur', 'numero_electeur'], required: true },
] as const satisfies readonly CsvColumn[];

/** Index of each column in a row's values (the order of ROLL_COLUMNS). */
export const ROLL_COLUMN = { lastName: 0, firstNames: 1, birthDate: 2, address: 3, arrondissement: 4, pollingStation: 5, rollIdentifier: 6 } as const;

export interface RollRow {
  lastName: string;
  firstNames: string;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  address: string;
  arrondissement: string;
  pollingStation: string;
  rollIdentifier: string;
}

export function parseRollRow(values: readonly string[], line: number, issues: CsvIssue[]): RollRow | null {
  const [lastName = '', firstNames = '', birthDateText = '', address = '', arrondissementText = '', pollingStation = '', rollIdentifier = ''] = values;
  let ok = true;
  ok = checkText(lastName, line, 'nom', issues, { required: true, maxLength: 200 }) && ok;
  ok = checkText(firstNames, line, 'prenoms', issues, { required: false, maxLength: 200 }) && ok;
  const birthDate = parseBirthDate(birthDateText);
  if (birthDate === null) {
    issues.push({
      line,
      column: 'date_naissance',
      message: birthDateText === '' ? 'empty birth date' : `bad birth date ${JSON.stringify(birthDateText)} (expected YYYY-MM-DD or DD/MM/YYYY, a real date)`,
    });
    ok = false;
  }
  ok = checkText(address, line, 'adresse', issues, { required: false, maxLength: 500 }) && ok;
  ok = checkText(arrondissementText, line, 'arrondissement', issues, { required: true, maxLength: 50 }) && ok;
  ok = checkText(pollingStation, line, 'bureau', issues, { required: true, maxLength: 50 }) && ok;
  if (rollIdentifier === '') {
    issues.push({ line, column: 'identifiant', message: 'empty roll identifier' });
    ok = false;
  } else ok = checkText(rollIdentifier, line, 'identifiant', issues, { required: true, maxLength: 64 }) && ok;
  if (!ok || birthDate === null) return null;
  return { lastName, firstNames, birthDate, address, arrondissement: normaliseArrondissement(arrondissementText), pollingStation, rollIdentifier };
}
