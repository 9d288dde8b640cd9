/**
 * Registry of live resources (processes, namespaces, temporary directories). Each resource registers
 * a synchronous last-resort cleanup; its own `dispose()` unregisters it. Whatever is still registered
 * when the Node process exits — a test that timed out, an uncaught error, Ctrl-C — is cleaned up from
 * the `exit` hook and from SIGINT/SIGTERM/SIGHUP handlers, so no peer or namespace outlives a run.
 */

type SyncCleanup = () => void;

const live = new Map<number, { what: string; cleanup: SyncCleanup }>();
let nextId = 1;
let hooksInstalled = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A handle returned by {@link registerCleanup}; `release()` removes the entry without running it. */
export interface CleanupRegistration {
  release(): void;
}

/**
 * Registers a last-resort synchronous cleanup (it may call `process.kill` or `execFileSync`; it must
 * not throw, and errors it throws are ignored). Call `release()` once the resource is disposed.
 */
export function registerCleanup(what: string, cleanup: SyncCleanup): CleanupRegistration {
  installHooks();
  const id = nextId++;
  live.set(id, { what, cleanup });
  return { release: () => void live.delete(id) };
}

/** Descriptions of the resources still registered (for tests that check nothing leaked). */
export function liveResources(): string[] {
  return [...live.values()].map((r) => r.what);
}

/** Runs every registered cleanup now, newest first (processes before the namespaces they run in). */
export function cleanupAllSync(): void {
  const entries = [...live.entries()].reverse();
  live.clear();
  for (const [, { cleanup }] of entries) {
    try {
      cleanup();
    } catch {
      // Last resort: one failing cleanup must not stop the others.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  cleanupAllSync();
  // If we are the only listener, Node would otherwise swallow the signal: restore its default action.
  if (process.listenerCount(signal) === 1) {
    removeHooks();
    process.kill(process.pid, signal);
  }
}

const signalHandlers = new Map<NodeJS.Signals, () => void>();

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const signal of SIGNALS) {
    const handler = (): void => onSignal(signal);
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function removeHooks(): void {
  process.off('exit', cleanupAllSync);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
  signalHandlers.clear();
  hooksInstalled = false;
}
