/**
 * A Linux TUN device (layer-3 packets, no packet-information header) from Node, through the small
 * N-API addon in apps/lab/native/tun: `/dev/net/tun` opened non-blocking with the TUNSETIFF ioctl
 * (IFF_TUN | IFF_NO_PI) and watched on the event loop.
 *
 * Reading is pull-based and back-pressured: packets the kernel hands us wait in a bounded queue,
 * and when it is full the device stops being read, so the kernel queues (and past its txqueuelen
 * drops) as in front of a slow NIC. `write` resolves at once unless the device's queue is full,
 * and then when it has drained.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type NativeEvent = 'packets' | 'drain' | 'error';

interface NativeTun {
  open(name: string): { fd: number; name: string };
  watch(fd: number, callback: (kind: NativeEvent, payload: ArrayBuffer[] | string | undefined) => void): object;
  setReading(handle: object, on: boolean): void;
  write(handle: object, packet: Uint8Array): boolean;
  close(handle: object): void;
  closeFd(fd: number): void;
}

/** Where node-gyp puts the addon (apps/lab/native/tun/build/Release). */
export const TUN_ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'tun', 'build', 'Release', 'layersec_tun.node');

let native: NativeTun | undefined;

function loadAddon(): NativeTun {
  if (native !== undefined) return native;
  if (!existsSync(TUN_ADDON_PATH)) {
    throw new Error(`the TUN addon is not built (${TUN_ADDON_PATH}); run 'pnpm install' or 'node apps/lab/native/tun/build.mjs'`);
  }
  native = createRequire(import.meta.url)(TUN_ADDON_PATH) as NativeTun;
  return native;
}

/** Whether TUN devices can be used here: Linux, the addon built, /dev/net/tun present. */
export function tunAvailable(): boolean {
  return process.platform === 'linux' && existsSync(TUN_ADDON_PATH) && existsSync('/dev/net/tun');
}

export interface TunOptions {
  /** Packets held for the reader before the device is no longer read (default 256). */
  highWaterMark?: number;
}

export interface TunCounters {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  /** Times a write found the device's queue full and waited for it to drain. */
  txWaits: number;
}

export class TunDevice implements AsyncIterable<Uint8Array> {
  private readonly addon: NativeTun;
  private handle: object | undefined;
  private readonly queue: Uint8Array[] = [];
  private readonly readers: ((packet: Uint8Array | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private paused = false;
  private error: Error | undefined;
  private readonly highWaterMark: number;
  readonly counters: TunCounters = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, txWaits: 0 };

  private constructor(
    addon: NativeTun,
    /** The interface name the kernel gave the device. */
    readonly name: string,
    fd: number,
    options: TunOptions,
  ) {
    this.addon = addon;
    this.highWaterMark = options.highWaterMark ?? 256;
    this.handle = addon.watch(fd, (kind, payload) => this.onNative(kind, payload));
  }

  /**
   * Creates the TUN device `name` (or attaches to a persistent one of that name) in the current
   * network namespace; needs CAP_NET_ADMIN. The device is removed when it is closed.
   */
  static open(name: string, options: TunOptions = {}): TunDevice {
    if (name.length === 0 || name.length > 15) throw new Error(`interface name '${name}' must have 1 to 15 characters`);
    const addon = loadAddon();
    const { fd, name: actual } = addon.open(name);
    try {
      return new TunDevice(addon, actual, fd, options);
    } catch (e) {
      addon.closeFd(fd);
      throw e;
    }
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  private onNative(kind: NativeEvent, payload: ArrayBuffer[] | string | undefined): void {
    if (kind === 'packets' && Array.isArray(payload)) {
      for (const ab of payload) {
        const packet = new Uint8Array(ab);
        this.counters.rxPackets++;
        this.counters.rxBytes += packet.length;
        const reader = this.readers.shift();
        if (reader !== undefined) reader(packet);
        else this.queue.push(packet);
      }
      if (this.queue.length >= this.highWaterMark && !this.paused && this.handle !== undefined) {
        this.paused = true;
        this.addon.setReading(this.handle, false);
      }
    } else if (kind === 'drain') {
      for (const w of this.drainWaiters.splice(0)) w();
    } else if (kind === 'error') {
      this.error = new Error(`TUN device ${this.name}: ${String(payload)}`);
      this.close();
    }
  }

  /** The next packet the kernel routed into the device; undefined once the device is closed. */
  read(): Promise<Uint8Array | undefined> {
    const packet = this.queue.shift();
    if (packet !== undefined) {
      if (this.paused && this.queue.length <= this.highWaterMark / 2 && this.handle !== undefined) {
        this.paused = false;
        this.addon.setReading(this.handle, true);
      }
      return Promise.resolve(packet);
    }
    if (this.handle === undefined) return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve(undefined);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const p = await this.read();
      if (p === undefined) return;
      yield p;
    }
  }

  /** Hands an IP packet to the kernel as if it had arrived on this interface. */
  async write(packet: Uint8Array): Promise<void> {
    for (;;) {
      if (this.handle === undefined) throw this.error ?? new Error(`TUN device ${this.name} is closed`);
      if (this.addon.write(this.handle, packet)) {
        this.counters.txPackets++;
        this.counters.txBytes += packet.length;
        return;
      }
      this.counters.txWaits++;
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  /** Closes the descriptor (the kernel removes the device); pending reads resolve to undefined. */
  close(): void {
    if (this.handle === undefined) return;
    const h = this.handle;
    this.handle = undefined;
    this.addon.close(h);
    this.queue.length = 0;
    for (const r of this.readers.splice(0)) r(undefined);
    for (const w of this.drainWaiters.splice(0)) w();
  }
}

/** Runs `ip ARGS...` (iproute2), throwing with its error output when it fails. */
export function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}
