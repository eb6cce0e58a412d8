import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Synthetic, deterministic, French-looking reference files for demos, tests and benchmarks:
 * `urne roll generate` and `urne officials generate`. The same options always write the same
 * bytes. Names carry what real rolls carry: accents, hyphens, apostrophes, ligatures, several
 * first names. Written as a stream, so a 1,300,000-row roll takes a few MB of memory.
 */

const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
  'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier',
  'Morel', 'Girard', 'André', 'Lefebvre', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martínez',
  'Legrand', 'Garnier', 'Faure', 'Rousseau', 'Blanc', 'Guérin', 'Muller', 'Henry', 'Roussel', 'Nicolas',
  'Perrin', 'Morin', 'Mathieu', 'Clément', 'Gauthier', 'Dumont', 'Lopez', 'Fontaine', 'Chevalier', 'Robin',
  "N'Diaye", 'Diallo', 'Traoré', 'Nguyen', 'Benali', 'Haddad', "d'Estaing", "D'Almeida", 'Kosciusko-Morizet', 'Le Goff',
  'Le Pen', 'de La Fontaine', 'Saint-Exupéry', 'Lœuillet', 'Bœuf', 'Cœurdevey', 'Ménard', 'Hébert', 'Béranger', 'Pécresse',
  'Hidalgo', 'Dati', 'Juppé', 'Chirac', 'Delanoë', 'Baupin', 'Goasguen', 'Tibéri', 'Lévy', 'Cohen',
  'Rodríguez', 'Silva', 'Pereira', 'Ferreira', 'Kowalski', 'Nowak', 'Schmitt', 'Weiß', 'Øster', 'Łukasz',
];

const FIRST_NAMES = [
  'Jean', 'Marie', 'Pierre', 'Michel', 'André', 'Philippe', 'Nathalie', 'Isabelle', 'Sylvie', 'Catherine',
  'Françoise', 'Élodie', 'Hélène', 'Jérôme', 'Stéphane', 'Frédéric', 'Céline', 'Aurélie', 'Sébastien', 'Joël',
  'Chloé', 'Léa', 'Zoé', 'Maëlle', 'Noémie', 'Inès', 'Loïc', 'Gaëlle', 'Anaïs', 'Raphaël',
  'Lœtitia', 'Jean-Pierre', 'Marie-Claire', 'Anne-Sophie', 'Jean-François', 'Pierre-Yves', 'Mamadou', 'Fatoumata', 'Karim', 'Yasmine',
  'Thi Lan', 'Minh', 'Sarah', 'David', 'Nicolas', 'Julien', 'Camille', 'Lucas', 'Emma', 'Hugo',
];

const STREET_KINDS = ['rue', 'avenue', 'boulevard', 'place', 'quai', 'impasse', 'passage', 'villa', 'cité', 'allée'];
const STREET_NAMES = [
  'de Rivoli', 'Saint-Honoré', 'de la Roquette', "d'Alésia", 'de Vaugirard', 'Mouffetard', 'du Faubourg Saint-Antoine', 'de Belleville',
  'Lamarck', 'de Ménilmontant', 'des Écoles', 'Montmartre', 'du Bac', 'de Grenelle', 'Victor-Hugo', 'Jean-Jaurès',
  'de la République', "de l'Église", 'Poissonnière', 'de Clichy', 'des Martyrs', 'de Charonne', 'Oberkampf', 'de Sèvres',
];

const MANDATES = ["conseiller de Paris", "conseiller d'arrondissement", "maire d'arrondissement", 'adjoint au maire', 'député', 'sénateur'];

/** mulberry32: a small, fast, seedable generator (deterministic test data, not for secrets). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** A CSV field for a `;`-separated file, quoted when it must be. */
function field(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function writeLines(out: string, header: string, rows: number, line: (index: number) => string, onProgress?: (rows: number) => void): Promise<{ rows: number; bytes: number }> {
  await mkdir(dirname(out), { recursive: true });
  const stream = createWriteStream(out);
  const failed = new Promise<never>((_resolve, reject) => stream.once('error', reject));
  failed.catch(() => undefined);
  let chunk = `${header}\n`;
  for (let i = 0; i < rows; i++) {
    chunk += `${line(i)}\n`;
    if (chunk.length >= 256 * 1024) {
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
      chunk = '';
      if (onProgress && i % 10_000 === 0) onProgress(i + 1);
    }
  }
  stream.end(chunk);
  await Promise.race([once(stream, 'finish'), failed]);
  onProgress?.(rows);
  return { rows, bytes: stream.bytesWritten };
}

export interface GenerateRollOptions {
  size: number;
  arrondissements: number;
  seed: number;
  onProgress?: (rows: number) => void;
}

/**
 * Writes a synthetic electoral roll (`;`-separated, French header, the format of
 * electoral-roll-csv.ts). About one polling station per 1,400 voters, as in Paris.
 */
export function generateRoll(out: string, options: GenerateRollOptions): Promise<{ rows: number; bytes: number }> {
  const next = random(options.seed);
  const arrondissements = Math.max(1, Math.floor(options.arrondissements));
  const stationsPerArrondissement = Math.max(1, Math.round(options.size / arrondissements / 1400));
  return writeLines(
    out,
    'nom;prenoms;date_naissance;adresse;arrondissement;bureau;identifiant',
    options.size,
    (index) => {
      const arrondissement = 1 + Math.floor(next() * arrondissements);
      const station = 1 + Math.floor(next() * stationsPerArrondissement);
      const firstNames = next() < 0.35 ? `${pick(next, FIRST_NAMES)} ${pick(next, FIRST_NAMES)}` : pick(next, FIRST_NAMES);
      const year = 1925 + Math.floor(next() * 83);
      const month = 1 + Math.floor(next() * 12);
      const day = 1 + Math.floor(next() * 28);
      const birthDate = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const address = `${1 + Math.floor(next() * 180)} ${pick(next, STREET_KINDS)} ${pick(next, STREET_NAMES)}, 750${String(arrondissement).padStart(2, '0')} Paris`;
      const identifier = `${String(arrondissement).padStart(2, '0')}${String(index + 1).padStart(8, '0')}`;
      return [pick(next, LAST_NAMES), firstNames, birthDate, address, String(arrondissement), `${arrondissement}-${String(station).padStart(2, '0')}`, identifier]
        .map(field)
        .join(';');
    },
    options.onProgress,
  );
}

export interface GenerateOfficialsOptions {
  size: number;
  arrondissements: number;
  seed: number;
}

/** Writes a synthetic list of elected officials (the format of elected-officials-csv.ts). */
export function generateOfficials(out: string, options: GenerateOfficialsOptions): Promise<{ rows: number; bytes: number }> {
  const next = random(options.seed);
  const arrondissements = Math.max(1, Math.floor(options.arrondissements));
  return writeLines(out, 'identifiant;nom;prenoms;mandat;arrondissement', options.size, (index) => {
    const mandate = pick(next, MANDATES);
    const arrondissement = mandate === 'sénateur' ? '' : String(1 + Math.floor(next() * arrondissements));
    return [`ELU-${String(index + 1).padStart(5, '0')}`, pick(next, LAST_NAMES), pick(next, FIRST_NAMES), mandate, arrondissement].map(field).join(';');
  });
}
