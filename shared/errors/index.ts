export { ERROR_CODES, EXIT_CODE_TABLE, isErrorCode, type ErrorCode } from './codes.js';
export {
  RedbackError,
  asRedbackError,
  formatErrorLine,
  isRedbackError,
  type RedbackErrorOptions,
} from './redback-error.js';
export { storageError } from './fs-errors.js';
