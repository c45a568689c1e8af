import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** File extensions the local corpus reads, compared case-insensitively. */
export const corpusExtensions: readonly string[] = ['.md', '.markdown', '.txt'];

/**
 * Absolute paths of every corpus file under `directory`, recursively, in a stable order.
 * Hidden files and folders (a `.git` inside the corpus, editor swap files) are skipped.
 * Rejects with an Error naming the directory when it is missing or not a directory; an
 * existing directory with no corpus files resolves to `[]` and the caller decides.
 *
 * @example
 * ```ts
 * await listCorpusFiles('./notes'); // ['/home/me/notes/kafka.md', '/home/me/notes/ops/retention.txt']
 * ```
 */
export async function listCorpusFiles(directory: string): Promise<string[]> {
  const root = path.resolve(directory);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    throw new Error(`Search corpus directory ${root} cannot be read`, { cause: error });
  }
  if (!isDirectory) {
    throw new Error(`Search corpus directory ${root} is not a directory`);
  }

  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && corpusExtensions.includes(path.extname(entry.name).toLowerCase()))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(root, file).split(path.sep).some((segment) => segment.startsWith('.')))
    .sort();
}
