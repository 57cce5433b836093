import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { readServerEnv } from './server-env.js'

describe('readServerEnv: the web UI', () => {
  it('turns the UI on by default, with no name or colour of its own', () => {
    expect(readServerEnv({}).ui).toEqual({ enabled: true })
  })

  it('reads UI_ENABLED, UI_PRODUCT_NAME and UI_ACCENT_COLOR', () => {
    expect(readServerEnv({ UI_ENABLED: 'false' }).ui.enabled).toBe(false)
    expect(readServerEnv({ UI_PRODUCT_NAME: ' Acme ', UI_ACCENT_COLOR: '#0a7' }).ui).toEqual({ enabled: true, productName: 'Acme', accentColor: '#0a7' })
  })

  it('refuses an accent colour that is not a hex colour, since it is written into the stylesheet', () => {
    for (const value of ['red', '#12345', 'url(x)', '#fff;}body{display:none']) {
      expect(() => readServerEnv({ UI_ACCENT_COLOR: value })).toThrow(ConfigError)
    }
    expect(() => readServerEnv({ UI_ENABLED: 'maybe' })).toThrow(/UI_ENABLED/)
  })
})

describe('readServerEnv: purging expired rows', () => {
  it('purges every 15 minutes unless PURGE_INTERVAL_MINUTES says otherwise; 0 turns it off', () => {
    expect(readServerEnv({}).purgeIntervalMs).toBe(15 * 60_000)
    expect(readServerEnv({ PURGE_INTERVAL_MINUTES: '60' }).purgeIntervalMs).toBe(60 * 60_000)
    expect(readServerEnv({ PURGE_INTERVAL_MINUTES: '0' }).purgeIntervalMs).toBe(0)
  })

  it('refuses anything but a whole number of minutes up to a day', () => {
    for (const value of ['-1', '1.5', 'often', '1441']) {
      expect(() => readServerEnv({ PURGE_INTERVAL_MINUTES: value })).toThrow(/PURGE_INTERVAL_MINUTES/)
    }
  })
})

describe('readServerEnv: metrics', () => {
  it('serves no metrics unless METRICS_ENABLED is true', () => {
    expect(readServerEnv({}).ops.metricsEnabled).toBe(false)
    expect(readServerEnv({ METRICS_ENABLED: 'true' }).ops.metricsEnabled).toBe(true)
    expect(readServerEnv({ METRICS_ENABLED: '0' }).ops.metricsEnabled).toBe(false)
    expect(() => readServerEnv({ METRICS_ENABLED: 'maybe' })).toThrow(/METRICS_ENABLED/)
  })
})
