import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDurationSeconds } from './duration.js'

describe('parseDurationSeconds', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDurationSeconds('90')).toBe(90)
    expect(parseDurationSeconds('30s')).toBe(30)
    expect(parseDurationSeconds('5m')).toBe(300)
    expect(parseDurationSeconds('1h')).toBe(3600)
    expect(parseDurationSeconds('24h')).toBe(86_400)
    expect(parseDurationSeconds('2d')).toBe(172_800)
    expect(parseDurationSeconds(' 5m ')).toBe(300)
  })

  it('returns null for anything that is not a whole duration', () => {
    for (const bad of ['', 'soon', '5 minutes', '1.5h', '-5m', '5w', 'm', '5mm', '1h30m', '0x10']) {
      expect(parseDurationSeconds(bad)).toBeNull()
    }
  })

  it('agrees with the unit table for any whole number', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(['s', 1], ['m', 60], ['h', 3600], ['d', 86_400]), (value, [unit, factor]) => {
        expect(parseDurationSeconds(`${value}${unit}`)).toBe(value * (factor as number))
      }),
    )
  })
})
