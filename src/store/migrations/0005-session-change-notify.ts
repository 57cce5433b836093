import { type Kysely, PostgresAdapter, sql } from 'kysely'

/**
 * PostgreSQL only: every committed change that can alter a session check's answer sends a NOTIFY
 * naming the schema and the user, so each server process drops that user's cached checks
 * (src/store/change-feed.ts). Triggers send it inside the writing transaction, so it is delivered
 * only on commit, and every writer is covered: the server, the CLI, a psql session, a cascade.
 * Writes that cannot change the answer stay silent: a session's idle-window touch, a TOTP step or
 * passkey counter moving on, a new session, a new user, a pending TOTP enrolment.
 * A table the session check comes to read later needs a trigger here too.
 * SQLite needs none: other processes' commits show in its data_version (src/store/sqlite.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql`
    CREATE FUNCTION portcullis_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('portcullis_session_change', json_build_object('schema', TG_TABLE_SCHEMA, 'user', to_jsonb(OLD) ->> TG_ARGV[0])::text);
      END IF;
      IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('portcullis_session_change', json_build_object('schema', TG_TABLE_SCHEMA, 'user', to_jsonb(NEW) ->> TG_ARGV[0])::text);
      END IF;
      RETURN NULL;
    END
    $$`.execute(db)
  const triggers = [
    `CREATE TRIGGER users_session_change AFTER UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION portcullis_session_change('id')`,
    `CREATE TRIGGER sessions_session_change_delete AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION portcullis_session_change('user_id')`,
    // Every column but last_seen_at: the once-a-minute touch changes nothing another process relies on.
    `CREATE TRIGGER sessions_session_change_update AFTER UPDATE OF id, token_hash, user_id, aal, mfa_at, trusted_device, created_at, expires_at, ip, user_agent
       ON sessions FOR EACH ROW EXECUTE FUNCTION portcullis_session_change('user_id')`,
    `CREATE TRIGGER totp_factors_session_change_insert AFTER INSERT ON totp_factors FOR EACH ROW WHEN (NEW.status = 'active')
       EXECUTE FUNCTION portcullis_session_change('user_id')`,
    `CREATE TRIGGER totp_factors_session_change_update AFTER UPDATE OF status, user_id ON totp_factors FOR EACH ROW
       WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.user_id IS DISTINCT FROM NEW.user_id) EXECUTE FUNCTION portcullis_session_change('user_id')`,
    `CREATE TRIGGER totp_factors_session_change_delete AFTER DELETE ON totp_factors FOR EACH ROW WHEN (OLD.status = 'active')
       EXECUTE FUNCTION portcullis_session_change('user_id')`,
    `CREATE TRIGGER webauthn_credentials_session_change AFTER INSERT OR DELETE ON webauthn_credentials FOR EACH ROW
       EXECUTE FUNCTION portcullis_session_change('user_id')`,
    `CREATE TRIGGER webauthn_credentials_session_change_update AFTER UPDATE OF user_id ON webauthn_credentials FOR EACH ROW
       EXECUTE FUNCTION portcullis_session_change('user_id')`,
  ]
  for (const trigger of triggers) await sql.raw(trigger).execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql`DROP FUNCTION portcullis_session_change() CASCADE`.execute(db)
}
