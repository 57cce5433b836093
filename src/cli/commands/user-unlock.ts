import { normalizeEmail } from '../../features/accounts/index.js'
import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const userUnlockCommand: Command = {
  words: ['user', 'unlock'],
  args: ['<email>'],
  summary: "Lift a user's sign-in lockout (password and second-factor codes)",
  help: 'Recorded in the audit log. Exits 1 when there is no account with that email and no lock to lift.',
  async run({ positionals, io }) {
    // Lock keys hold the normalised email, as sign-in counts it.
    const email = normalizeEmail(positionals[0] as string)
    const auth = await openAuth(io.env)
    try {
      const user = await auth.api.accounts.findByEmail(email)
      if (!user) {
        // Locks count unknown emails too (so they look like known ones); clearing one is still useful.
        const lifted = await auth.api.lockout.unlock(email)
        io.err(lifted ? `No account for ${email}; its sign-in lock was lifted.` : `No account for ${email}.`)
        return lifted ? 0 : 1
      }
      await auth.api.admin.unlock(user.id, NO_CONTEXT, 'cli')
      io.out(`Unlocked ${user.email}.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
