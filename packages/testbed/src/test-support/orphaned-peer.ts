/**
 * Fixture for the reaper test: starts a long-running peer, prints its pid, and waits to be killed
 * (by SIGKILL, so no exit hook of ours runs).
 */
import { startPeer } from '../process.js';

const peer = startPeer('sleep', ['1000'], { label: 'orphaned sleep' });
process.stdout.write(`peer pid ${peer.pid}\n`);
setInterval(() => undefined, 1000);
