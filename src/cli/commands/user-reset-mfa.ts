import { normalizeEmail } from '../../features/accounts/index.js'
import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const userResetMfaCommand: Command = {
  words: ['user', 'reset-mfa'],
  args: ['<email>'],
  summary: "Remove a user's second factors, recovery codes and trusted devices, and end their sessions",
  help: 'For a person who lost every factor and cannot use email recovery. Recorded in the audit log as admin_mfa_reset by "cli"; the user is emailed a security notice.',
  async run({ positionals, io }) {
    const email = normalizeEmail(positionals[0] as string)
    const auth = await openAuth(io.env)
    try {
      const user = await auth.api.accounts.findByEmail(email)
      if (!user) {
        io.err(`No account for ${email}.`)
        return 1
      }
      await auth.api.admin.resetMfa(user.id, NO_CONTEXT, 'cli')
      io.out(`Second factors of ${user.email} removed; their sessions were ended.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
