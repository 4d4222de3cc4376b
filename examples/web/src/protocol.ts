/** Messages between the page (main.ts) and the inference worker (worker.ts). */

export type BackendChoice = 'webgpu' | 'wasm';

/** RGBA pixels, ready for `new ImageData(...)` (the buffer is transferred, not copied). */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

export type Request =
  | { type: 'init'; backend: BackendChoice; base: string }
  /** Segment an encoded image (PNG/JPEG): the bundled photo by URL, or a file the user picked. */
  | { type: 'photo'; id: number; url?: string; bytes?: ArrayBuffer }
  /** Segment one video frame (transferred) and return the effect on it. */
  | { type: 'frame'; id: number; frame: ImageBitmap; effect: 'blur' | 'overlay' };

export interface Timing {
  /** segmentPerson: preprocessing + Session.run + reading back the mask. */
  inferenceMs: number;
  /** Overlay and/or portrait blur on the CPU (in the worker). */
  effectsMs: number;
}

export type Reply =
  | { type: 'ready'; backend: BackendChoice; adapter: string; loadMs: number; model: string }
  | {
      type: 'photo';
      id: number;
      original: Rgba;
      overlay: Rgba;
      blurred: Rgba;
      /** The person confidence from segmentPerson (the image's size). */
      mask: { width: number; height: number; confidence: Float32Array<ArrayBuffer> };
      timing: Timing;
    }
  /** `person`: fraction of the frame's pixels with confidence ≥ 0.5. */
  /** `output` is drawn in the worker: the page only hands the bitmap to a 'bitmaprenderer' canvas. */
  | { type: 'frame'; id: number; output: ImageBitmap; person: number; timing: Timing }
  | { type: 'error'; id?: number; message: string };
