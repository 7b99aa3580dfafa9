import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

test('records configuration: embedded by default, PostgreSQL with DATABASE_URL, retention, spool bound, off; bad values stop the start', () => {
  assert.deepEqual(loadConfig({}).records, { enabled: true, databaseUrl: null, pgliteDataDir: null, retentionDays: 0, spoolMax: 100_000 });
  assert.deepEqual(loadConfig({ DATABASE_URL: 'postgres://cc@db:5432/cc', CALL_RETENTION_DAYS: '400' }).records, {
    enabled: true,
    databaseUrl: 'postgres://cc@db:5432/cc',
    pgliteDataDir: null,
    retentionDays: 400,
    spoolMax: 100_000,
  });
  assert.equal(loadConfig({ RECORDS_SPOOL_MAX: '0' }).records.spoolMax, 0);
  assert.equal(loadConfig({ PGLITE_DATA_DIR: '/var/lib/cc' }).records.pgliteDataDir, '/var/lib/cc');
  assert.equal(loadConfig({ CALL_RECORDS: 'off' }).records.enabled, false);
  for (const env of [{ CALL_RECORDS: 'maybe' }, { DATABASE_URL: 'mysql://x' }, { CALL_RETENTION_DAYS: '-1' }, { CALL_RETENTION_DAYS: '1.5' }, { RECORDS_SPOOL_MAX: '-1' }, { RECORDS_SPOOL_MAX: 'lots' }]) {
    assert.throws(() => loadConfig(env), ConfigError, JSON.stringify(env));
  }
});
