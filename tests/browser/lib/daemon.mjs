// Starting and stopping the real duetd for the browser tests: on an
// ephemeral port first, then (for the restart scenarios) on that same port.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

const START_TIMEOUT_MS = 15_000;
const LISTENING = /listening on [^\s:]+:(\d+)/;

export class Daemon {
  #binary;
  #address;
  #publicDir;
  #extraArgs;
  #log;
  #process = null;
  #generation = 0;

  /**
   * @param {string} logPath  every run of the daemon appends its output here
   * @param {string[]} extraArgs  more flags, for every run
   * @param {string} address  where it listens; anything but loopback only
   *   inside isolated.sh's namespace, which no packet leaves
   */
  constructor({ binary, publicDir, logPath, extraArgs = [], address = '127.0.0.1' }) {
    this.#binary = binary;
    this.#address = address;
    this.#publicDir = publicDir;
    this.#extraArgs = extraArgs;
    this.#log = createWriteStream(logPath);
  }

  get running() {
    return this.#process !== null && this.#process.exitCode === null && this.#process.signalCode === null;
  }

  /** Starts duetd on `port` (0: any free one) and resolves with the port it listens on. */
  start(port = 0) {
    this.#generation += 1;
    const generation = this.#generation;
    this.#log.write(`\n[test] starting duetd #${generation} on port ${port}\n`);
    const args = ['--address', this.#address, '--port', String(port), '--public-dir', this.#publicDir, ...this.#extraArgs];
    // Its own process group: stopping it stops anything it started, and
    // nothing it leaves behind keeps our pipes open.
    const child = spawn(this.#binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.#process = child;
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => {
        reject(new Error(`duetd printed no "listening on HOST:PORT" within ${START_TIMEOUT_MS} ms:\n${seen.slice(-1500)}`));
      }, START_TIMEOUT_MS);
      const onOutput = (chunk) => {
        const text = chunk.toString();
        this.#log.write(text);
        seen += text;
        const match = LISTENING.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${this.#binary}: ${error.message}`));
      });
      child.on('exit', (code, signal) => {
        this.#log.write(`[test] duetd #${generation} exited: code ${code}, signal ${signal}\n`);
        clearTimeout(timer);
        reject(new Error(`duetd exited (code ${code}, signal ${signal}):\n${seen.slice(-1500)}`));
      });
    });
  }

  /** SIGKILL: the daemon vanishes; browsers see their sockets drop (1006). */
  async kill() {
    await this.#stop('SIGKILL', 5_000);
  }

  /** SIGTERM: the daemon closes every socket with 1001 and exits 0. */
  async terminate() {
    const code = await this.#stop('SIGTERM', 12_000); // beyond shutdown_grace
    if (code !== 0) {
      throw new Error(`duetd exited with ${code} after SIGTERM (wanted 0)`);
    }
  }

  async #stop(signal, timeoutMs) {
    const child = this.#process;
    if (child === null) {
      return null;
    }
    this.#process = null;
    let exitCode = child.exitCode;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', (code) => done(code)));
      signalGroup(child, signal);
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
      exitCode = await exited;
      clearTimeout(timer);
    }
    signalGroup(child, 'SIGKILL'); // stragglers of the group, if any
    child.stdout.destroy();
    child.stderr.destroy();
    return exitCode;
  }

  /**
   * Last resort, for process.on('exit'), where nothing asynchronous runs:
   * SIGKILLs the daemon's process group if it is still there.
   */
  killNow() {
    if (this.#process !== null) {
      signalGroup(this.#process, 'SIGKILL');
    }
  }

  /** Stops whatever runs and flushes the log (the runner exits right after). */
  async close() {
    await this.#stop('SIGTERM', 12_000).catch(() => {});
    if (!this.#log.writableEnded) {
      await new Promise((done) => this.#log.end(done));
    }
  }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}
