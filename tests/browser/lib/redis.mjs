// A private redis-server for the cluster scenario: Debian's, on a unix socket in its
// own folder (no TCP port to collide with), no persistence. The nodes reach it as
// unix://<dir>/redis.sock.

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const START_TIMEOUT_MS = 10_000;

export class RedisServer {
  #dir;
  #process = null;

  constructor(dir) {
    this.#dir = dir;
  }

  get socket() {
    return join(this.#dir, 'redis.sock');
  }

  get url() {
    return `unix://${this.socket}`;
  }

  /** Starts it and resolves once it answers PING. */
  async start() {
    mkdirSync(this.#dir, { recursive: true });
    const args = ['--port', '0', '--unixsocket', this.socket, '--save', '', '--appendonly', 'no', '--dir', this.#dir];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    const log = createWriteStream(join(this.#dir, 'redis.log'));
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; see ${this.#dir}/redis.log`);
      const ping = spawnSync('redis-cli', ['-s', this.socket, 'ping'], { encoding: 'utf8' });
      if (ping.stdout?.trim() === 'PONG') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer PING within ${START_TIMEOUT_MS} ms`);
  }

  killNow() {
    if (this.#process && this.#process.exitCode === null) this.#process.kill('SIGKILL');
  }

  async close() {
    const child = this.#process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    this.killNow();
  }
}
