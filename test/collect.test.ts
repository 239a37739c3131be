import { runInNewContext, Script } from 'node:vm';
import { expect, test } from 'vitest';
import { collectGarbage } from '../src/load/collect.js';

test('a full collection on request, leaving no gc in later contexts and V8 flags as they were (a code cache made before is still accepted)', () => {
  const source = 'function f(a) { return a * 2; } f(21);';
  const before = new Script(source, { filename: 'probe.js' });
  before.runInThisContext();
  const cachedData = before.createCachedData();
  const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  expect(collectGarbage()).toBe(true);
  expect(collectGarbage()).toBe(true);
  if (!hadGc) expect(runInNewContext('typeof gc')).toBe('undefined');
  const after = new Script(source, { filename: 'probe.js', cachedData });
  expect(after.cachedDataRejected).toBe(false);
});
