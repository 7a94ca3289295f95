import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, sleep } from '../../../src/agent/client/backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 1_000, maxMs: 60_000, random: () => 0 });
    const delays = Array.from({ length: 9 }, () => backoff.next());
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.equal(backoff.attempts, 9);
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.next(), 1_000);
  });

  it('takes up to the jitter fraction off each delay, never adding to it', () => {
    const low = new Backoff({ initialMs: 1_000, maxMs: 60_000, jitter: 0.5, random: () => 0.999999 });
    const high = new Backoff({ initialMs: 1_000, maxMs: 60_000, jitter: 0.5, random: () => 0 });
    for (let i = 0; i < 10; i++) {
      const [a, b] = [low.next(), high.next()];
      assert.ok(a >= b / 2 && a < b, `${a} should be in [${b / 2}, ${b})`);
    }
    const real = new Backoff({ maxMs: 60_000 });
    for (let i = 0; i < 100; i++) assert.ok(real.next() <= 60_000);
  });

  it('stays finite after a very long outage', () => {
    const backoff = new Backoff({ random: () => 0 });
    for (let i = 0; i < 5_000; i++) backoff.next();
    assert.equal(backoff.next(), 60_000);
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    assert.ok(Date.now() - started < 2_000);
  });
});
