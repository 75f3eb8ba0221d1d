/**
 * Comparing secrets in constant time: the time taken depends on the expected value's length
 * only, never on where a guess first differs.
 */

/** Whether `actual` equals `expected`, byte for byte, in time independent of their contents. */
export function constantTimeEqual(actual: Uint8Array, expected: Uint8Array): boolean {
  let difference = actual.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) difference |= (actual[i] ?? 0) ^ (expected[i] ?? 0);
  return difference === 0;
}
