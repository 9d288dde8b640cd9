import type { Command } from 'commander';
import { registerDtls } from './dtls.js';
import { registerEsp } from './esp.js';
import { registerScenarios } from './scenarios.js';
import { registerTls } from './tls.js';
import { registerVpn } from './vpn.js';

/** A command family (`lab esp ...`, `lab tls ...`): adds its subcommands to the program. */
export type RegisterCommand = (program: Command) => void;

/** Every command family, in the order `lab --help` lists them. */
export const COMMANDS: RegisterCommand[] = [registerScenarios, registerTls, registerDtls, registerVpn, registerEsp];
