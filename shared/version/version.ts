/** The producer string written into every manifest and reported to the coordinator. */
export const REDBACK_VERSION = '0.1.0';
export const PRODUCER = `redback ${REDBACK_VERSION}`;
