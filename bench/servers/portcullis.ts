// The real standalone server (src/server), configured from the environment the bench sets, in a
// process of its own; it tells the parent where it listens over IPC and stops on SIGTERM.
// With BENCH_PROFILE_DIR set, the parent can wrap each measured window in a V8 CPU profile.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { startServer } from '../../src/server/serve.js'

const running = await startServer(process.env)

const profileDir = process.env.BENCH_PROFILE_DIR
if (profileDir) {
  const inspector = new Session()
  inspector.connect()
  await inspector.post('Profiler.enable')
  process.on('message', async (message: { type?: string; name?: string }) => {
    if (message.type === 'profile:start') {
      await inspector.post('Profiler.start')
      process.send?.({ type: 'profile:started' })
    } else if (message.type === 'profile:stop') {
      const { profile } = await inspector.post('Profiler.stop')
      writeFileSync(join(profileDir, `${message.name}.cpuprofile`), JSON.stringify(profile))
      process.send?.({ type: 'profile:stopped' })
    }
  })
}
process.send?.({ type: 'ready', origin: running.url })

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
