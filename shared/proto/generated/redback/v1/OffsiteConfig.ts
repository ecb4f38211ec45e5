// Original file: proto/redback/v1/agent.proto


/**
 * The offsite target named in the coordinator's config, sent after Welcome (and again when it
 * changes). The agent caches it in <backupDir>/.agent/offsite.json and uploads there: bytes go
 * agent -> store, never through the coordinator. config_json is the target part of the offsite
 * block (type, endpoint, bucket, prefix, options, and the encryption key REFERENCE: keyEnv or
 * keyFile, never key material). It carries S3 secret keys only when the operator put them in the
 * coordinator's config; per-host credentials through the AWS chain are preferred.
 */
export interface OffsiteConfig {
  /**
   * "" = no offsite target is configured.
   */
  'configJson'?: (string);
}

/**
 * The offsite target named in the coordinator's config, sent after Welcome (and again when it
 * changes). The agent caches it in <backupDir>/.agent/offsite.json and uploads there: bytes go
 * agent -> store, never through the coordinator. config_json is the target part of the offsite
 * block (type, endpoint, bucket, prefix, options, and the encryption key REFERENCE: keyEnv or
 * keyFile, never key material). It carries S3 secret keys only when the operator put them in the
 * coordinator's config; per-host credentials through the AWS chain are preferred.
 */
export interface OffsiteConfig__Output {
  /**
   * "" = no offsite target is configured.
   */
  'configJson': (string);
}
