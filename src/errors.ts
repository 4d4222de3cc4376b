/**
 * Every error atrous throws on purpose is an AtrousError with a stable `code`, so callers can
 * branch on the kind of problem and users get a message that names what to fix.
 */
export type AtrousErrorCode =
  | 'MODEL_FORMAT'
  | 'UNSUPPORTED_OP'
  | 'UNSUPPORTED_ATTRIBUTE'
  | 'GRAPH_VALIDATION'
  | 'SHAPE'
  | 'INPUT'
  | 'BACKEND_UNAVAILABLE'
  | 'FILE'
  | 'NPY_FORMAT'
  | 'IMAGE_FORMAT'
  | 'WEIGHTS_MISMATCH'
  | 'INTERNAL';

export class AtrousError extends Error {
  readonly code: AtrousErrorCode;
  constructor(code: AtrousErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The model bytes are not a model we can read (truncated, not ONNX, corrupt protobuf). */
export class ModelFormatError extends AtrousError {
  constructor(message: string) {
    super('MODEL_FORMAT', message);
  }
}

/** A node uses an op that atrous does not implement. */
export class UnsupportedOpError extends AtrousError {
  readonly nodeName: string;
  readonly op: string;
  constructor(nodeName: string, op: string, supported: readonly string[], domain = '') {
    const where = domain && domain !== 'ai.onnx' ? ` (domain '${domain}')` : '';
    super(
      'UNSUPPORTED_OP',
      `node '${nodeName}': op '${op}'${where} is not supported. Supported ops: ${[...supported].sort().join(', ')}`,
    );
    this.nodeName = nodeName;
    this.op = op;
  }
}

/** An attribute is missing, has the wrong type, or has a value atrous does not implement. */
export class UnsupportedAttributeError extends AtrousError {
  readonly nodeName: string;
  readonly op: string;
  readonly attribute: string;
  constructor(nodeName: string, op: string, attribute: string, problem: string) {
    super('UNSUPPORTED_ATTRIBUTE', `node '${nodeName}' (${op}): attribute '${attribute}' ${problem}`);
    this.nodeName = nodeName;
    this.op = op;
    this.attribute = attribute;
  }
}

export type GraphProblem =
  | 'cycle'
  | 'dangling-input'
  | 'duplicate-name'
  | 'missing-output'
  | 'arity'
  | 'bad-attribute';

/** The graph is not well formed (cycle, a node reads a value nobody writes, names clash...). */
export class GraphValidationError extends AtrousError {
  readonly problem: GraphProblem;
  constructor(problem: GraphProblem, message: string) {
    super('GRAPH_VALIDATION', `${problem}: ${message}`);
    this.problem = problem;
  }
}

/** Shapes do not fit an op (e.g. Conv channels do not match the weight). */
export class ShapeError extends AtrousError {
  readonly nodeName: string;
  readonly op: string;
  constructor(nodeName: string, op: string, message: string) {
    super('SHAPE', `node '${nodeName}' (${op}): ${message}`);
    this.nodeName = nodeName;
    this.op = op;
  }
}

/** The caller's feeds do not match the model: missing/unknown name, wrong dtype or shape. */
export class InputError extends AtrousError {
  constructor(message: string) {
    super('INPUT', message);
  }
}

/** A backend was asked for that cannot run here (not built yet, no adapter, ...). */
export class BackendUnavailableError extends AtrousError {
  readonly backend: string;
  constructor(backend: string, reason: string) {
    super('BACKEND_UNAVAILABLE', `backend '${backend}' is not available: ${reason}`);
    this.backend = backend;
  }
}

/** A file could not be read or written. */
export class FileError extends AtrousError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('FILE', `${path}: ${message}`);
    this.path = path;
  }
}

export class NpyFormatError extends AtrousError {
  constructor(message: string) {
    super('NPY_FORMAT', message);
  }
}

export class ImageFormatError extends AtrousError {
  constructor(message: string) {
    super('IMAGE_FORMAT', message);
  }
}
