/**
 * Fixture for the reaper test: creates a one-host topology with a process running inside, prints the
 * namespace name, and waits to be killed by SIGKILL (so no dispose and no exit hook runs).
 */
import { createTopology } from '../netns.js';

const topo = await createTopology({ hosts: [{ name: 'orphan' }], links: [] });
const host = topo.host('orphan');
const peer = host.spawn('sleep', ['1000']);
process.stdout.write(`netns ${host.netns} pid ${peer.pid}\n`);
setInterval(() => undefined, 1000);
