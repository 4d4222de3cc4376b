export {
  type LoadWeightsOptions,
  loadWeights,
  randomWeights,
  type WeightsMismatch,
  WeightsMismatchError,
} from './load.js';
export { countParameters, type ParamRole, parameterRoles } from './params.js';
export { encodeSafetensors, parseSafetensors, type Safetensors } from './safetensors.js';
