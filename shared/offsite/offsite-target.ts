import type { StorageTarget } from '../storage/storage-target.js';

/**
 * The part of a storage target that offsite sets use (the smallest interface they need): any
 * `StorageTarget` of shared/storage fits it, and its contracts (atomic put, NOT_FOUND on get,
 * SHORT_READ streams, idempotent delete) are what the set code relies on.
 */
export type OffsiteTarget = Pick<StorageTarget, 'put' | 'get' | 'stat' | 'list' | 'delete'>;
