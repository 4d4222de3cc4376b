import { Tensor } from '../engine/tensor.js';
import { UnsupportedAttributeError } from '../errors.js';
import type { AttrValue, Node } from './ir.js';

/**
 * Typed attribute readers. Each checks the stored type and throws an UnsupportedAttributeError that
 * names the node, so a malformed model never turns into a NaN deep inside a kernel.
 */
function bad(node: Node, name: string, problem: string): never {
  throw new UnsupportedAttributeError(node.name, node.op, name, problem);
}

function read(node: Node, name: string): AttrValue | undefined {
  return node.attrs[name];
}

export function hasAttr(node: Node, name: string): boolean {
  return node.attrs[name] !== undefined;
}

export function intAttr(node: Node, name: string, fallback?: number): number {
  const v = read(node, name);
  if (v === undefined) return fallback ?? bad(node, name, 'is required');
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(node, name, `must be an int, got ${describe(v)}`);
  return v;
}

export function floatAttr(node: Node, name: string, fallback?: number): number {
  const v = read(node, name);
  if (v === undefined) return fallback ?? bad(node, name, 'is required');
  if (typeof v !== 'number') bad(node, name, `must be a float, got ${describe(v)}`);
  return v;
}

export function intsAttr(node: Node, name: string, fallback?: readonly number[]): number[] {
  const v = read(node, name);
  if (v === undefined) return fallback ? [...fallback] : bad(node, name, 'is required');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    bad(node, name, `must be a list of ints, got ${describe(v)}`);
  }
  return [...(v as number[])];
}

export function floatsAttr(node: Node, name: string, fallback?: readonly number[]): number[] {
  const v = read(node, name);
  if (v === undefined) return fallback ? [...fallback] : bad(node, name, 'is required');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    bad(node, name, `must be a list of floats, got ${describe(v)}`);
  }
  return [...(v as number[])];
}

export function stringAttr(node: Node, name: string, fallback?: string): string {
  const v = read(node, name);
  if (v === undefined) return fallback ?? bad(node, name, 'is required');
  if (typeof v !== 'string') bad(node, name, `must be a string, got ${describe(v)}`);
  return v;
}

export function tensorAttr(node: Node, name: string): Tensor {
  const v = read(node, name);
  if (!(v instanceof Tensor))
    bad(node, name, v === undefined ? 'is required' : `must be a tensor, got ${describe(v)}`);
  return v;
}

/** Checks that a string/int attribute takes one of the implemented values. */
export function oneOf<T extends string | number>(
  node: Node,
  name: string,
  value: T,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value)) {
    bad(
      node,
      name,
      `= ${JSON.stringify(value)} is not supported; supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    );
  }
  return value;
}

function describe(v: AttrValue): string {
  if (v instanceof Tensor) return `a tensor of dims [${v.dims.join(', ')}]`;
  return JSON.stringify(v);
}
