// Types for scripts/mediapipe-oracle.mjs (imported by test/hosts/mediapipe-live.test.ts).
export declare const CHROMIUM: string;
export declare const PHOTOS: string[];
export declare const CHROMIUM_ARGS: string[];
export declare const CROPS: Record<
  string,
  { from: string; x: number; y: number; width: number; height: number }
>;

export interface OraclePhoto {
  name: string;
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface OracleResult {
  name: string;
  width: number;
  height: number;
  /** Size of results.segmentationMask as MediaPipe returned it. */
  maskWidth: number;
  maskHeight: number;
  /** Red channel of the mask drawn to a 2D canvas (lossy: premultiplied alpha). */
  r: Uint8Array;
  /** Alpha channel: the person confidence in 0-255, row-major, image resolution. */
  a: Uint8Array;
}

export interface OracleRun {
  version: string;
  browserVersion: string;
  renderer: string;
  userAgent: string;
  results: OracleResult[];
}

export declare function loadPhoto(root: string, name: string): OraclePhoto;

export declare function runMediapipeOracle(options?: {
  root?: string;
  photos?: string[];
  chromium?: string;
  args?: string[];
  options?: { modelSelection?: number; selfieMode?: boolean; useCpuInference?: boolean };
}): Promise<OracleRun>;

export declare function fixtureName(photo: string, modelSelection: number): string;
