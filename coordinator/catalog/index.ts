export * from './catalog.js';
export {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  assertNotNewer,
  checkMigrations,
  migrate,
  schemaVersion,
  type Migration,
  type MigrationReport,
} from './migrations.js';
