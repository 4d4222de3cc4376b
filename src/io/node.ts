import { readFile, writeFile } from 'node:fs/promises';
import type { Tensor } from '../engine/tensor.js';
import { FileError, ImageFormatError, NpyFormatError } from '../errors.js';
import { decodeImage, type RgbImage } from './image.js';
import { encodeNpy, parseNpy } from './npy.js';

/**
 * Node-only file helpers (node:fs). Kept apart from the pure codecs so those bundle for browsers.
 * Every failure is a FileError (or a format error) that names the path.
 */

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a component of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

function fileError(path: string, action: 'read' | 'write', e: unknown): FileError {
  const code = (e as { code?: string }).code ?? '';
  const reason = REASONS[code] ?? (e instanceof Error ? e.message : String(e));
  if (action === 'read') return new FileError(path, reason);
  if (code === 'ENOENT') return new FileError(path, 'cannot write: the directory does not exist');
  return new FileError(path, `cannot write: ${reason}`);
}

export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw fileError(path, 'read', e);
  }
}

export async function writeBytes(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw fileError(path, 'write', e);
  }
}

/** Reads a .npy file; format errors are prefixed with the path. */
export async function readNpy(path: string): Promise<Tensor> {
  const bytes = await readBytes(path);
  try {
    return parseNpy(bytes);
  } catch (e) {
    if (e instanceof NpyFormatError) throw new NpyFormatError(`${path}: ${e.message}`);
    throw e;
  }
}

export async function writeNpy(path: string, t: Tensor): Promise<void> {
  await writeBytes(path, encodeNpy(t));
}

/** Reads a PNG or JPEG file into RGB pixels; format errors are prefixed with the path. */
export async function readImage(path: string): Promise<RgbImage> {
  const bytes = await readBytes(path);
  try {
    return decodeImage(bytes);
  } catch (e) {
    if (e instanceof ImageFormatError) throw new ImageFormatError(`${path}: ${e.message}`);
    throw e;
  }
}
