/**
 * The memory topologies scenarios run on. The observed link (where the tap records the capture) is
 * the one an on-path observer would sit on: the client–server link host to host, the link between
 * the two gateways when client and server sit on LANs behind them (where an ESP tunnel would run).
 */
import type { Host, Impairments, Link } from '../substrates/memory/network.js';
import { MemoryNetwork } from '../substrates/memory/network.js';
import type { RandomSource } from '@layersec/crypto-primitives';
import type { Topology } from './scenario.js';

export interface MemoryTopology {
  net: MemoryNetwork;
  client: Host;
  server: Host;
  clientAddress: string;
  serverAddress: string;
  /** Where the tap records; its impairments are the scenario's. */
  observed: Link;
  /** Hosts whose packets on the observed link go toward the server. */
  clientSide: string[];
  /** Names of the columns of the ladder diagram. */
  endpoints: { client: string; server: string };
  /** The gateways, when the topology has them (where ESP's PacketHooks plug in). */
  gateways?: { a: Host; b: Host; aAddress: string; bAddress: string };
}

export function buildTopology(topology: Topology, impairments: Impairments, random: RandomSource): MemoryTopology {
  const net = new MemoryNetwork({ random });
  if (topology === 'gateway-to-gateway') {
    const client = net.addHost('client');
    const gwA = net.addHost('gw-a', { forwarding: true });
    const gwB = net.addHost('gw-b', { forwarding: true });
    const server = net.addHost('server');
    // LAN links are clean and fast; the observed link between the gateways carries the impairments.
    const lanA = net.connect(client, '10.1.0.10/24', gwA, '10.1.0.1/24', { bandwidthMbps: 1000 });
    const wan = net.connect(gwA, '192.0.2.1/24', gwB, '192.0.2.2/24', impairments);
    const lanB = net.connect(gwB, '10.2.0.1/24', server, '10.2.0.10/24', { bandwidthMbps: 1000 });
    client.addRoute('0.0.0.0/0', lanA.a);
    server.addRoute('0.0.0.0/0', lanB.b);
    gwA.addRoute('10.2.0.0/24', wan.a);
    gwB.addRoute('10.1.0.0/24', wan.b);
    return {
      net,
      client,
      server,
      clientAddress: '10.1.0.10',
      serverAddress: '10.2.0.10',
      observed: wan,
      clientSide: ['gw-a'],
      endpoints: { client: 'gw-a 192.0.2.1 (client 10.1.0.10 behind it)', server: 'gw-b 192.0.2.2 (server 10.2.0.10 behind it)' },
      gateways: { a: gwA, b: gwB, aAddress: '192.0.2.1', bAddress: '192.0.2.2' },
    };
  }
  if (topology !== 'host-to-host') throw new Error(`no memory topology ${topology} for this driver`);
  const client = net.addHost('client');
  const server = net.addHost('server');
  const link = net.connect(client, '10.0.0.1/24', server, '10.0.0.2/24', impairments);
  return {
    net,
    client,
    server,
    clientAddress: '10.0.0.1',
    serverAddress: '10.0.0.2',
    observed: link,
    clientSide: ['client'],
    endpoints: { client: 'client 10.0.0.1', server: 'server 10.0.0.2' },
  };
}
