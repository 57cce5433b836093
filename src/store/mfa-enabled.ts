import { type ExpressionBuilder, sql } from 'kysely'
import type { Database } from './database.js'

/**
 * "Has this user an active second factor?" as one SQL expression, so the session check can
 * answer it inside its single indexed read.
 */
export function mfaEnabledExpression(eb: ExpressionBuilder<Database, 'users'>) {
  return eb
    .or([
      // 'active' is written into the SQL, not bound: SQLite may only use the partial index
      // totp_factors_one_active for a bound value by re-preparing the statement on every run, which
      // made this check four times dearer than the rest of the session read.
      eb.exists(
        eb
          .selectFrom('totp_factors')
          .select(sql`1`.as('one'))
          .whereRef('totp_factors.user_id', '=', 'users.id')
          .where('totp_factors.status', '=', sql.lit('active')),
      ),
      eb.exists(eb.selectFrom('webauthn_credentials').select(sql`1`.as('one')).whereRef('webauthn_credentials.user_id', '=', 'users.id')),
    ])
    .as('mfa_enabled')
}
