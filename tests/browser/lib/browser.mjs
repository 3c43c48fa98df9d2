// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven
// by playwright-core, with fake camera, microphone and screen, and nothing
// that talks to the internet.

import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  // No traffic but the test's: no updates, no sync, no field trials, no metrics.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--metrics-recording-only',
  // Media permission prompts answered "allow"; a test pattern and a beep as
  // camera and microphone.
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // getDisplayMedia picks the (headless, virtual) screen without a picker.
  '--auto-select-desktop-capture-source=Entire screen',
  // Chromium hides host candidates behind mDNS `.local` names, which nothing
  // resolves here; with real addresses the two pages meet on this machine.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]);

export const STEP_MS = 15_000;
// Starting Chromium itself: on a loaded machine its first start took longer than
// 15 s (CI, 2026-12-02), though every page step after it fit in STEP_MS.
const LAUNCH_MS = 60_000;

export class Browser {
  #browser = null;
  #artifacts;
  #logs = [];
  #pages = [];

  constructor(artifacts) {
    this.#artifacts = artifacts;
  }

  async launch(executablePath) {
    this.#browser = await chromium.launch({
      executablePath,
      args: [...CHROMIUM_ARGS],
      timeout: LAUNCH_MS,
      // The runner handles signals itself: it must stop the daemon too, and
      // playwright's own handler would exit the process before it could.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  }

  /**
   * A page in a context of its own (its own storage, as a separate person
   * would have). `initScript` runs before the page's scripts, in the page.
   */
  async openPage(name, { viewport = { width: 1100, height: 800 }, initScript = null } = {}) {
    const context = await this.#browser.newContext({ viewport });
    if (initScript !== null) {
      await context.addInitScript(initScript);
    }
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const log = createWriteStream(join(this.#artifacts, `${name}.console.log`), { flags: 'a' });
    this.#logs.push(log);
    // A write after close() would throw from the stream; late events are dropped.
    const write = (line) => {
      if (!log.writableEnded) {
        log.write(line);
      }
    };
    page.on('console', (message) => {
      page.duetConsole.push(message.text());
      write(`[${message.type()}] ${message.text()}\n`);
    });
    page.on('pageerror', (error) => {
      write(`[pageerror] ${error.stack ?? error}\n`);
      page.duetErrors.push(String(error.message ?? error));
    });
    page.duetName = name;
    page.duetErrors = [];
    page.duetConsole = [];
    this.#pages.push(page);
    return page;
  }

  /** Uncaught errors thrown in any page opened so far, as "page: message" lines. */
  uncaughtErrors() {
    return this.#pages.flatMap((page) => page.duetErrors.map((message) => `${page.duetName}: ${message}`));
  }

  /** Bounded, because a wedged renderer must not keep the run alive; flushes the console logs. */
  async close() {
    if (this.#browser !== null) {
      await Promise.race([this.#browser.close(), new Promise((done) => setTimeout(done, 10_000))]).catch(() => {});
      this.#browser = null;
    }
    await Promise.all(this.#logs.filter((log) => !log.writableEnded).map((log) => new Promise((done) => log.end(done))));
  }
}

/** Saves a full-page screenshot to the artifacts folder; never fails the test. */
export async function screenshot(page, artifacts, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true }).catch(() => {});
}
