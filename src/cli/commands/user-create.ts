import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const userCreateCommand: Command = {
  words: ['user', 'create'],
  args: ['<email>'],
  summary: 'Create an account; without --password the person is mailed a link to choose one',
  help: 'The password is read from the PORTCULLIS_NEW_PASSWORD environment variable when --password-from-env is given, so it stays out of the shell history.',
  options: { name: { type: 'string' }, 'password-from-env': { type: 'boolean' } },
  async run({ positionals, values, io }) {
    const password = values['password-from-env'] ? io.env.PORTCULLIS_NEW_PASSWORD : undefined
    if (values['password-from-env'] && !password) {
      io.err('portcullis user create: PORTCULLIS_NEW_PASSWORD is empty')
      return 2
    }
    const auth = await openAuth(io.env)
    try {
      const user = await auth.api.admin.create({ email: positionals[0] as string, name: values.name as string | undefined, password }, NO_CONTEXT, 'cli')
      await auth.flushMail()
      io.out(JSON.stringify(user))
      return 0
    } finally {
      await auth.close()
    }
  },
}
