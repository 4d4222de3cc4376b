import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { FileError } from '../../errors.js';
import type { LabelFormat } from './labels.js';

/** An image and its label file, matched by basename. */
export interface Pair {
  key: string;
  image: string;
  label: string;
}

/** Something wrong with one file; the run goes on without it (or with it, as the text says). */
export interface Problem {
  file: string;
  problem: string;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);
// Cityscapes and VOC-style suffixes stripped before matching names.
const IMAGE_SUFFIX = /_leftImg8bit$/;
const LABEL_SUFFIX = /_(gtFine|gtCoarse)_(labelIds|labelTrainIds)$/;
const CITYSCAPES_OTHER = /_(gtFine|gtCoarse)_(color|instanceIds|instanceTrainIds)$/;

async function walk(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new FileError(
      dir,
      code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : String(e),
    );
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

function keyOf(path: string, suffix: RegExp): string {
  return basename(path, extname(path)).replace(suffix, '');
}

/**
 * Pairs the images of `imagesDir` (PNG/JPEG, searched recursively, as Cityscapes' city folders)
 * with the label PNGs of `labelsDir` by basename (Cityscapes suffixes `_leftImg8bit` and
 * `_gtFine_labelIds` / `_gtFine_labelTrainIds` removed first). Images without a label, labels
 * without an image and duplicate names are problems; when both labelIds and labelTrainIds exist,
 * the trainIds file is used.
 */
export async function pairFolder(
  imagesDir: string,
  labelsDir: string,
  format: LabelFormat,
): Promise<{ pairs: Pair[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const images = new Map<string, string>();
  for (const path of await walk(imagesDir)) {
    if (!IMAGE_EXT.has(extname(path).toLowerCase())) continue;
    const key = keyOf(path, IMAGE_SUFFIX);
    if (images.has(key)) {
      problems.push({ file: path, problem: `same name as ${images.get(key)}; skipped` });
      continue;
    }
    images.set(key, path);
  }
  const labels = new Map<string, string>();
  for (const path of await walk(labelsDir)) {
    if (extname(path).toLowerCase() !== '.png') continue;
    const stem = basename(path, extname(path));
    if (format === 'cityscapes' && CITYSCAPES_OTHER.test(stem)) continue;
    const key = keyOf(path, LABEL_SUFFIX);
    const prev = labels.get(key);
    if (prev !== undefined) {
      const trainIds = /trainids/i;
      if (format === 'cityscapes' && trainIds.test(path) !== trainIds.test(prev)) {
        if (trainIds.test(path)) labels.set(key, path);
        continue;
      }
      problems.push({ file: path, problem: `same name as ${prev}; skipped` });
      continue;
    }
    labels.set(key, path);
  }
  const pairs: Pair[] = [];
  for (const [key, image] of images) {
    const label = labels.get(key);
    if (label === undefined)
      problems.push({ file: image, problem: `no label PNG named ${key}*.png in ${labelsDir}` });
    else pairs.push({ key, image, label });
  }
  for (const [key, label] of labels) {
    if (!images.has(key)) problems.push({ file: label, problem: `no image named ${key} in ${imagesDir}` });
  }
  return { pairs, problems };
}

/** A class list: one name per line (blank lines and lines starting with # skipped). */
export async function readClassNames(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FileError(
      path,
      (e as { code?: string }).code === 'ENOENT' ? 'no such file or directory' : String(e),
    );
  }
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (names.length === 0) throw new FileError(path, 'the class list is empty (one name per line expected)');
  return names;
}
