// A real coturn for the relayed-call scenario: config/coturn.conf rendered by
// tests/turn/coturn_front.sh (the one renderer every test uses), listening on
// one of the namespace's veth addresses.

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FRONT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'turn', 'coturn_front.sh');
const START_TIMEOUT_MS = 10_000;

export class Coturn {
  #options;
  #process = null;

  /**
   * @param {string} address  where it listens and relays from
   * @param {number} port  its listening port (coturn cannot take 0; the namespace is ours)
   * @param {string} secret  duetd's turn_secret
   * @param {string[]} allowPeers  the private addresses this test relays to
   * @param {string} dir  its config, log and pid file
   */
  constructor({ address, port, secret, allowPeers, dir, turnserver = '/usr/bin/turnserver' }) {
    this.#options = { address, port, secret, allowPeers, dir, turnserver };
  }

  /** Starts coturn and resolves once it answers a STUN binding request. */
  async start() {
    const { address, port, secret, allowPeers, dir, turnserver } = this.#options;
    const args = [FRONT, '--listen', address, '--port', String(port), '--secret', secret, '--dir', dir,
      '--turnserver', turnserver, ...allowPeers.flatMap((ip) => ['--allow-peer', ip])];
    // coturn_front.sh execs turnserver, so this child's pid is coturn's own.
    const child = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    const log = createWriteStream(`${dir}.stderr.log`);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const stunclient = join(dirname(turnserver), 'turnutils_stunclient');
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`coturn exited (code ${child.exitCode}, signal ${child.signalCode}); see ${dir}/turnserver.log`);
      }
      const probe = spawnSync(stunclient, ['-p', String(port), address], { timeout: 2000, encoding: 'utf8' });
      if (/UDP reflexive addr/.test(probe.stdout ?? '')) {
        return;
      }
      if (Date.now() >= deadline) {
        throw new Error(`coturn did not answer STUN on ${address}:${port} within ${START_TIMEOUT_MS} ms`);
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  /** SIGTERM, then SIGKILL after 3 s. */
  async close() {
    const child = this.#process;
    if (child === null) {
      return;
    }
    this.#process = null;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  }

  /** Last resort, for process.on('exit'): SIGKILL if it is still there. */
  killNow() {
    if (this.#process !== null && this.#process.exitCode === null) {
      this.#process.kill('SIGKILL');
    }
  }
}
