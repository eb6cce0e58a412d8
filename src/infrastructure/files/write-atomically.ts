import { open, rename, rm, type FileHandle } from 'node:fs/promises';

/**
 * Writes `path` through `<path>.partial`: `write` fills the file, which is then synced and renamed.
 * A failure removes the partial file, so a half-written export never sits under the final name.
 */
export async function writeAtomically<T>(path: string, mode: number, write: (file: FileHandle) => Promise<T>): Promise<T> {
  const partial = `${path}.partial`;
  const file = await open(partial, 'w', mode);
  let result: T;
  try {
    result = await write(file);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(partial, { force: true });
    throw error;
  }
  await file.close();
  await rename(partial, path);
  return result;
}
