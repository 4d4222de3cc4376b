export { ATROUS_VERSION, isAtrousFile } from './atrous-format.js';
export { loadAtrous } from './atrous-reader.js';
export { type SaveAtrousOptions, saveAtrous } from './atrous-writer.js';
