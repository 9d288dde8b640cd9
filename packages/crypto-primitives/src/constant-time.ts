/**
 * Constant-time comparison of two byte strings: the time taken depends only on their lengths,
 * never on where they differ. Every MAC, ICV and Finished check in layersec goes through it.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
